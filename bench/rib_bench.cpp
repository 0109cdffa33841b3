// The RIB part of ingest, without sockets or the engine: the ingest
// benchmark's workloads (bench/ingest/workload.hpp) decoded and applied to an
// Adj-RIB-In and run through the Loc-RIB's decision in batches, as catsd
// does (Engine::session_updates). Reports paths/s, the heap held per path
// once the table is full (glibc mallinfo2: in-use bytes after minus before,
// over the paths), the path arrays' slabs per path, and, untimed by the
// framework, what the peer going down then costs per path.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <chrono>

#include "bench/ingest/workload.hpp"
#include "bgp-ext/wire/message.hpp"
#include "rib-adapter/rib/adj_rib_in.hpp"
#include "rib-adapter/rib/loc_rib.hpp"

namespace {

using namespace cats;

const bench::Stream& stream(char workload) {
  static const bench::Stream a = bench::build_stream('A', 1'000'000, 65001, {172, 31, 0, 2});
  static const bench::Stream b = bench::build_stream('B', 1'000'000, 65001, {172, 31, 0, 2});
  return workload == 'A' ? a : b;
}

void BM_RibIngest(benchmark::State& state) {
  const char workload = state.range(0) == 0 ? 'A' : 'B';
  const auto& s = stream(workload);
  wire::DecodeContext ctx;
  ctx.as4 = true;
  ctx.ebgp = true;
  ctx.multiprotocol = true;
  ctx.add_path.ipv4 = workload == 'B';
  rib::PeerFacts facts;
  facts.type = rib::PeerType::kExternal;
  facts.asn = 65001;
  facts.local_asn = 65000;
  facts.router_id = 0x0aff0002;
  double heap_per_path = 0;
  double arrays_per_path = 0;  // path arrays' slabs (mmap, not in mallinfo)
  double down_ns = 0;
  std::size_t paths = 0;
  for (auto _ : state) {
    const auto before = mallinfo2().uordblks;
    auto store = std::make_unique<rib::AttrStore>();
    auto loc = std::make_unique<rib::LocRib>();
    auto in = std::make_unique<rib::AdjRibIn>(1, facts, *store, *loc);
    std::size_t start = 0;
    std::uint64_t seq = 0;
    rib::ApplyResult batch;
    auto decide = [&] {
      auto events = loc->update_entries(batch.entries);
      benchmark::DoNotOptimize(events.data());
      batch.entries.clear();
    };
    for (auto end : s.message_ends) {
      const auto d = wire::decode_message(wire::ByteSpan(s.bytes).subspan(start, end - start), ctx);
      start = end;
      in->apply_to(std::get<wire::Update>(d.body), d.action(), rib::Arrival{++seq, {}}, batch);
      if (batch.entries.size() >= rib::LocRib::kBatchEntries) decide();
    }
    decide();
    paths = in->size();
    state.PauseTiming();
    heap_per_path = static_cast<double>(mallinfo2().uordblks - before) / static_cast<double>(paths);
    arrays_per_path = static_cast<double>(loc->table().arrays().slab_bytes()) / static_cast<double>(paths);
    // The peer going down: every path withdrawn and decided (timed apart).
    const auto t0 = std::chrono::steady_clock::now();
    auto gone = loc->update(*in, in->clear());
    down_ns += std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
    benchmark::DoNotOptimize(gone.data());
    in.reset();
    loc.reset();
    store.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * paths));
  state.counters["paths"] = static_cast<double>(paths);
  state.counters["heap_B_per_path"] = heap_per_path;
  state.counters["arrays_B_per_path"] = arrays_per_path;
  state.counters["peer_down_ns_per_path"] =
      down_ns / static_cast<double>(paths) / static_cast<double>(state.iterations());
  state.counters["ns_per_path"] = benchmark::Counter(static_cast<double>(paths) * state.iterations(),
                                                     benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_RibIngest)->ArgName("B")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
