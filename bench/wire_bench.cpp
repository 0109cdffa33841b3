// Codec kernels: decode and encode of a 1-prefix UPDATE, a packed UPDATE of
// 500 IPv4 prefixes, an IPv6 ADD-PATH UPDATE, and a CATS-EXP attribute with
// 8 contact instances. Counters: ns per prefix (via items/s) and heap
// allocations per message, counted by replacing global operator new.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "bench/alloc_counter.hpp"
#include "bench/wire_fixtures.hpp"
#include "bgp-ext/wire/message.hpp"

using namespace cats::wire;
using namespace cats::wire::bench;

namespace {

// Decode one message and visit every prefix, as the RIB ingest does.
void run_decode(benchmark::State& state, const Bytes& msg, const DecodeContext& ctx) {
  std::size_t prefixes = 0;
  std::uint64_t allocs = 0, messages = 0;
  for (auto _ : state) {
    const std::uint64_t before = cats::bench::allocations();
    const Decoded d = decode_message(msg, ctx);
    const Visited v = visit_prefixes(std::get<Update>(d.body));
    benchmark::DoNotOptimize(v.sum);
    allocs += cats::bench::allocations() - before;
    ++messages;
    prefixes = v.prefixes;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * prefixes));
  state.counters["prefixes"] = static_cast<double>(prefixes);
  state.counters["allocs/msg"] = static_cast<double>(allocs) / static_cast<double>(messages);
  state.counters["ns/prefix"] = benchmark::Counter(static_cast<double>(state.iterations() * prefixes),
                                                   benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_Decode_Update1Prefix(benchmark::State& state) {
  const Bytes msg = *from_hex(kTv1);
  DecodeContext ctx;
  ctx.as4 = true;
  run_decode(state, msg, ctx);
}
BENCHMARK(BM_Decode_Update1Prefix);

// Arg = prefixes in the message; allocs/msg must not grow with it.
void BM_Decode_PackedIpv4(benchmark::State& state) {
  static const Attrs a = make_attrs(true);
  EncodeContext ectx;
  const auto packed = pack_announcements(a.set, Afi::kIpv4, {}, v4(static_cast<std::size_t>(state.range(0))), ectx);
  DecodeContext ctx;
  ctx.as4 = true;
  run_decode(state, packed.messages.at(0), ctx);
}
BENCHMARK(BM_Decode_PackedIpv4)->Arg(1)->Arg(500);

void BM_Decode_Ipv6AddPath(benchmark::State& state) {
  static const Attrs a = make_attrs(false);
  EncodeContext ectx;
  ectx.add_path.ipv6 = true;
  const Bytes nh = *from_hex("20010db8000000000000000000000002");
  const auto packed = pack_announcements(a.set, Afi::kIpv6, nh, v6_addpath(200), ectx);
  DecodeContext ctx;
  ctx.as4 = true;
  ctx.add_path.ipv6 = true;
  run_decode(state, packed.messages.at(0), ctx);
}
BENCHMARK(BM_Decode_Ipv6AddPath);

void BM_Decode_CatsExp8Instances(benchmark::State& state) {
  const Bytes v = cats_value_8_instances();
  std::uint64_t allocs = 0;
  for (auto _ : state) {
    const std::uint64_t before = cats::bench::allocations();
    CatsExp c;
    if (CatsExp::decode(v, c)) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(c.site_score());
    allocs += cats::bench::allocations() - before;
  }
  state.counters["allocs/msg"] = static_cast<double>(allocs) / static_cast<double>(state.iterations());
  state.counters["octets"] = static_cast<double>(v.size());
}
BENCHMARK(BM_Decode_CatsExp8Instances);

void BM_Encode_Update1Prefix(benchmark::State& state) {
  const Bytes msg = *from_hex(kTv1);
  DecodeContext ctx;
  ctx.as4 = true;
  const Decoded d = decode_message(msg, ctx);
  EncodeContext ectx;
  for (auto _ : state) benchmark::DoNotOptimize(encode_message(d.body, ectx));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Encode_Update1Prefix);

void run_pack(benchmark::State& state, const AttributeSet& attrs, Afi afi, ByteSpan nh,
              const std::vector<NlriEntry>& in, const EncodeContext& ectx) {
  std::uint64_t allocs = 0;
  for (auto _ : state) {
    const std::uint64_t before = cats::bench::allocations();
    auto p = pack_announcements(attrs, afi, nh, in, ectx);
    benchmark::DoNotOptimize(p.messages.data());
    allocs += cats::bench::allocations() - before;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * in.size()));
  state.counters["allocs/call"] = static_cast<double>(allocs) / static_cast<double>(state.iterations());
  state.counters["ns/prefix"] = benchmark::Counter(static_cast<double>(state.iterations() * in.size()),
                                                   benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_Encode_Packed500Ipv4(benchmark::State& state) {
  static const Attrs a = make_attrs(true);
  run_pack(state, a.set, Afi::kIpv4, {}, v4(500), EncodeContext{});
}
BENCHMARK(BM_Encode_Packed500Ipv4);

void BM_Encode_Ipv6AddPath(benchmark::State& state) {
  static const Attrs a = make_attrs(false);
  EncodeContext ectx;
  ectx.add_path.ipv6 = true;
  static const Bytes nh = *from_hex("20010db8000000000000000000000002");
  run_pack(state, a.set, Afi::kIpv6, nh, v6_addpath(200), ectx);
}
BENCHMARK(BM_Encode_Ipv6AddPath);

void BM_Encode_CatsExp8Instances(benchmark::State& state) {
  const Bytes v = cats_value_8_instances();
  CatsExp c;
  if (CatsExp::decode(v, c)) std::abort();
  for (auto _ : state) {
    Bytes out;
    out.reserve(v.size());
    Writer w(out);
    c.encode(w);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_Encode_CatsExp8Instances);

}  // namespace

BENCHMARK_MAIN();
