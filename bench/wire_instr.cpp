// Instruction-count driver for valgrind --tool=callgrind: runs one codec
// kernel N times inside run_kernel(), so `--toggle-collect=*run_kernel*`
// counts only the kernel. Instructions are stable on a noisy shared machine,
// unlike time. Usage: wire_instr KERNEL ITERATIONS; prints prefixes per call.
#include <cstdio>
#include <cstring>

#include "bench/wire_fixtures.hpp"

using namespace cats::wire;
using namespace cats::wire::bench;

namespace {

volatile std::uint32_t g_sink;

std::size_t visit(const Decoded& d) {
  const Visited v = visit_prefixes(std::get<Update>(d.body));
  g_sink = v.sum;
  return v.prefixes;
}

__attribute__((noinline)) std::size_t run_kernel(const char* kernel, long iterations, const Bytes& msg,
                                                 const DecodeContext& ctx, const Attrs& attrs,
                                                 const std::vector<NlriEntry>& prefixes) {
  std::size_t n = 0;
  for (long i = 0; i < iterations; ++i) {
    if (std::strcmp(kernel, "encode500") == 0) {
      auto p = pack_announcements(attrs.set, Afi::kIpv4, {}, prefixes, EncodeContext{});
      n = prefixes.size();
      g_sink = static_cast<std::uint32_t>(p.messages.size());
    } else if (std::strcmp(kernel, "cats8") == 0) {
      CatsExp c;
      CatsExp::decode(msg, c);
      g_sink = c.site_score().value_or(0);
      n = 0;
    } else {
      n = visit(decode_message(msg, ctx));
    }
  }
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: wire_instr decode1|decode500|decode_v6_addpath|cats8|encode500 ITERATIONS\n");
    return 2;
  }
  const char* kernel = argv[1];
  const long iterations = std::atol(argv[2]);
  DecodeContext ctx;
  ctx.as4 = true;
  const Attrs a4 = make_attrs(true);
  const Attrs a6 = make_attrs(false);
  const auto p4 = v4(500);
  Bytes msg;
  const Attrs* attrs = &a4;
  if (std::strcmp(kernel, "decode1") == 0) {
    msg = *from_hex(kTv1);
  } else if (std::strcmp(kernel, "decode500") == 0 || std::strcmp(kernel, "encode500") == 0) {
    msg = pack_announcements(a4.set, Afi::kIpv4, {}, p4, EncodeContext{}).messages.at(0);
  } else if (std::strcmp(kernel, "decode_v6_addpath") == 0) {
    EncodeContext e;
    e.add_path.ipv6 = true;
    ctx.add_path.ipv6 = true;
    msg = pack_announcements(a6.set, Afi::kIpv6, *from_hex("20010db8000000000000000000000002"), v6_addpath(200), e)
              .messages.at(0);
    attrs = &a6;
  } else if (std::strcmp(kernel, "cats8") == 0) {
    msg = cats_value_8_instances();
  } else {
    std::fprintf(stderr, "unknown kernel %s\n", kernel);
    return 2;
  }
  std::printf("%zu\n", run_kernel(kernel, iterations, msg, ctx, *attrs, p4));
  return 0;
}
