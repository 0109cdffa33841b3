// Fuzzes the CATS-EXP value decoder. Property: every value it accepts
// re-encodes to exactly the same octets (unknown TLVs and metrics included),
// and the derived values (score, drain, control) never crash.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "bgp-ext/wire/cats_exp.hpp"

using namespace cats::wire;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteSpan value(reinterpret_cast<const std::byte*>(data), size);
  CatsExp c;
  if (CatsExp::decode(value, c)) return 0;  // framing error: treat-as-withdraw
  volatile auto score = c.site_score();
  volatile bool drain = c.drain();
  (void)score;
  (void)drain;
  if (const auto* mc = c.metric_control()) (void)mc->sequence;
  for (const auto& t : c.tlvs)
    if (const auto* s = std::get_if<CatsSiteMetrics>(&t.body))
      for (const auto& m : s->metrics) (void)m.number();
  Bytes out;
  Writer w(out);
  c.encode(w);
  if (out.size() != size || std::memcmp(out.data(), data, size) != 0) {
    std::fprintf(stderr, "CATS-EXP re-encode differs: in %s out %s\n", to_hex(value).c_str(), to_hex(out).c_str());
    std::abort();
  }
  return 0;
}
