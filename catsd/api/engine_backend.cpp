#include "catsd/api/engine_backend.hpp"

#include <net/if.h>

#include <boost/asio/post.hpp>
#include <chrono>
#include <future>

#include "catsd/api/show.hpp"
#include "rib-adapter/netlink/fib.hpp"

namespace cats::api {

namespace asio = boost::asio;
using api::ApiError;
using api::ApiResult;

namespace {

constexpr auto kEngineDeadline = std::chrono::seconds{20};

std::optional<std::size_t> category_index(const std::string& name) {
  for (auto c : config::kCategories)
    if (name == config::category_name(c)) return config::index(c);
  return std::nullopt;
}

std::optional<ApiError> to_l1(const google::protobuf::RepeatedPtrField<pb::L1Score>& in, config::L1Scores& out) {
  for (const auto& s : in) {
    auto i = category_index(s.category());
    if (!i) return ApiError{ApiError::Code::invalid_argument, "unknown L1 category \"" + s.category() + "\""};
    if (s.score() > 10) return ApiError{ApiError::Code::invalid_argument, "L1 " + s.category() + " score above 10"};
    out[*i] = static_cast<std::uint8_t>(s.score());
  }
  return std::nullopt;
}

std::optional<ApiError> to_instance(const pb::CatsInstance& in, config::Instance& out) {
  out.id.value = in.id();
  out.id.type = in.id().find(':') != std::string::npos   ? config::ServiceId::Type::kIpv6
                : in.id().find('.') != std::string::npos ? config::ServiceId::Type::kIpv4
                                                         : config::ServiceId::Type::kOpaque;
  if (in.has_l2()) {
    if (in.l2() > 10) return ApiError{ApiError::Code::invalid_argument, "instance " + in.id() + ": L2 above 10"};
    out.l2 = static_cast<std::uint8_t>(in.l2());
  }
  return to_l1(in.l1(), out.l1);
}

}  // namespace

// Runs `work` on the engine's executor. State is shared so that a call that
// times out leaves the late work writing into memory that still exists.
template <class Reply, class F>
ApiResult EngineBackend::run(Reply* reply, F work) {
  struct State {
    Reply reply;
    std::promise<ApiResult> done;
  };
  auto st = std::make_shared<State>();
  auto fut = st->done.get_future();
  asio::post(ex_, [st, work = std::move(work)]() mutable { st->done.set_value(work(&st->reply)); });
  if (fut.wait_for(kEngineDeadline) != std::future_status::ready)
    return ApiError{ApiError::Code::unavailable, "catsd is not answering (stopping?)"};
  auto r = fut.get();
  if (!r) *reply = std::move(st->reply);
  return r;
}

ApiResult EngineBackend::show_neighbors(const pb::ShowNeighborsRequest& request, pb::ShowNeighborsReply* reply) {
  // Session state lives on the session thread, the rest on the RIB thread.
  auto rt = std::make_shared<std::promise<std::vector<rde::PeerRuntime>>>();
  auto f = rt->get_future();
  engine_.sessions().runtime([rt](std::vector<rde::PeerRuntime> r) { rt->set_value(std::move(r)); });
  if (f.wait_for(kEngineDeadline) != std::future_status::ready)
    return ApiError{ApiError::Code::unavailable, "catsd is not answering (stopping?)"};
  return run(reply, [this, request, runtime = f.get()](pb::ShowNeighborsReply* out) -> ApiResult {
    api::show_neighbors(engine_, runtime, request, out);
    if (!request.address().empty() && out->neighbors_size() == 0)
      return ApiError{ApiError::Code::not_found, "no neighbor " + request.address()};
    return std::nullopt;
  });
}

ApiResult EngineBackend::show_rib(const pb::ShowRibRequest& request, pb::ShowRibReply* reply) {
  return run(reply, [this, request](pb::ShowRibReply* out) -> ApiResult {
    if (!api::show_rib(engine_, request, out))
      return ApiError{ApiError::Code::invalid_argument, "bad prefix or family (ipv4-unicast, ipv6-unicast)"};
    return std::nullopt;
  });
}

ApiResult EngineBackend::show_services(const pb::ShowServicesRequest& request, pb::ShowServicesReply* reply) {
  return run(reply, [this, request](pb::ShowServicesReply* out) -> ApiResult {
    api::show_services(engine_, request, out);
    return std::nullopt;
  });
}

ApiResult EngineBackend::inject_metrics(const pb::InjectMetricsRequest& request, pb::InjectMetricsReply* reply) {
  rde::Engine::MetricsUpdate u;
  if (request.has_l2()) {
    if (request.l2() > 10) return ApiError{ApiError::Code::invalid_argument, "L2 score above 10"};
    u.l2 = static_cast<std::uint8_t>(request.l2());
  }
  if (auto e = to_l1(request.l1(), u.l1)) return e;
  if (request.has_drain()) u.drain = request.drain();
  if (request.has_withdraw()) u.withdraw = request.withdraw();
  u.pushed = request.pushed();
  u.why = request.reason().substr(0, 200);
  std::vector<config::Instance> instances;
  for (const auto& i : request.instances()) {
    config::Instance inst;
    if (auto e = to_instance(i, inst)) return e;
    instances.push_back(std::move(inst));
  }
  return run(reply, [this, request, u, instances](pb::InjectMetricsReply* out) mutable -> ApiResult {
    if (request.replace_instances() || !instances.empty()) {
      std::vector<config::Instance> merged;
      if (!request.replace_instances()) {
        for (const auto& s : engine_.originated())
          if (s.svc->name == request.service()) merged = s.state.metrics.instances;
      }
      for (auto& i : instances) {
        auto it = std::find_if(merged.begin(), merged.end(), [&](const config::Instance& m) { return m.id == i.id; });
        if (it != merged.end()) {
          *it = i;
        } else {
          merged.push_back(i);
        }
      }
      u.instances = std::move(merged);
    }
    auto r = engine_.inject(request.service(), u);
    if (r.error) {
      const bool missing = r.error->rfind("no service", 0) == 0;
      const bool not_edge = r.error->rfind("not an edge", 0) == 0;
      return ApiError{missing    ? ApiError::Code::not_found
                      : not_edge ? ApiError::Code::failed_precondition
                                 : ApiError::Code::invalid_argument,
                      *r.error};
    }
    out->set_sequence(r.sequence);
    out->set_paths_readvertised(r.paths);
    return std::nullopt;
  });
}

ApiResult EngineBackend::clear_neighbor(const pb::ClearNeighborRequest& request, pb::ClearNeighborReply* reply) {
  rde::Engine::ClearMode mode = rde::Engine::ClearMode::kHard;
  switch (request.mode()) {
    case pb::ClearNeighborRequest::SOFT_IN: mode = rde::Engine::ClearMode::kSoftIn; break;
    case pb::ClearNeighborRequest::SOFT_OUT: mode = rde::Engine::ClearMode::kSoftOut; break;
    case pb::ClearNeighborRequest::SOFT_BOTH: mode = rde::Engine::ClearMode::kSoftBoth; break;
    default: break;
  }
  return run(reply, [this, request, mode](pb::ClearNeighborReply* out) -> ApiResult {
    auto r = engine_.clear(request.address(), mode, request.reason());
    if (auto* e = std::get_if<std::string>(&r)) return ApiError{ApiError::Code::not_found, *e};
    out->set_cleared(std::get<std::uint32_t>(r));
    return std::nullopt;
  });
}

namespace {

class EngineSubscription : public api::Subscription {
 public:
  EngineSubscription(asio::any_io_executor ex, std::function<void()> unsubscribe)
      : ex_(std::move(ex)), unsubscribe_(std::move(unsubscribe)) {}
  ~EngineSubscription() override {
    // Waited for: the contract says the sink is not called after this returns.
    // Shared, so a late run after a timeout writes into memory that exists.
    auto done = std::make_shared<std::promise<void>>();
    auto f = done->get_future();
    asio::post(ex_, [u = unsubscribe_, done] {
      u();
      done->set_value();
    });
    f.wait_for(kEngineDeadline);
  }

 private:
  asio::any_io_executor ex_;
  std::function<void()> unsubscribe_;
};

std::uint64_t unix_ms() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

// A request's prefix filter; empty text is none.
ApiResult prefix_filter(const std::string& text, std::optional<wire::Prefix>& prefix) {
  if (text.empty()) return std::nullopt;
  prefix = wire::Prefix::parse(text);
  if (!prefix) return ApiError{ApiError::Code::invalid_argument, "bad prefix " + text};
  return std::nullopt;
}

// The entry a Resolve request names: a steering/service name, a prefix, an
// address (its host prefix) or a CS-ID.
const rib::RibEntry* find_service(const rde::Engine& e, const std::string& what) {
  const auto& loc = e.loc_rib();
  std::optional<wire::Prefix> prefix = wire::Prefix::parse(what);
  if (!prefix && what.find('/') == std::string::npos)
    prefix = wire::Prefix::parse(what + (what.find(':') != std::string::npos ? "/128" : "/32"));
  if (prefix) {
    for (wire::Family f : {rib::kIpv4Unicast, rib::kIpv6Unicast})
      if (const auto* entry = loc.find({f, *prefix})) return entry;
    return nullptr;
  }
  for (const auto* entry : loc.sorted()) {
    if (!e.cats_rib().is_service(*entry)) continue;
    std::string service;
    e.cats_rib().class_for(*entry, &service);
    if (service == what) return entry;
    for (const auto& p : entry->paths())
      if (p.attrs->cats().cs_id == what) return entry;
  }
  return nullptr;
}

void fill_site(const rde::Engine& e, const rib::RibEntry& entry, const SelectionView& v, std::size_t i,
               pb::ResolvedSite* out) {
  const auto& c = v.candidates[i];
  const auto& facts = entry.paths()[i].attrs->cats();
  out->set_next_hop(c.site.to_string());
  out->set_tier(steer::tier_name(c.tier));
  out->set_cs_id(facts.cs_id);
  if (facts.site_score) out->set_l2(*facts.site_score);
  if (c.cost) out->set_network_cost(*c.cost);
  if (c.latency_ms) out->set_latency_ms(*c.latency_ms);
  if (v.penalties[i]) out->set_penalty(*v.penalties[i]);
  (void)e;
}

}  // namespace

ApiResult EngineBackend::resolve(const pb::ResolveRequest& request, pb::ResolveReply* reply) {
  return run(reply, [this, request](pb::ResolveReply* out) -> ApiResult {
    if (!engine_.steering()) return ApiError{ApiError::Code::failed_precondition, "not an ingress: no steering"};
    const auto* entry = find_service(engine_, request.service());
    if (entry == nullptr || !engine_.cats_rib().is_service(*entry))
      return ApiError{ApiError::Code::not_found, "no service " + request.service()};
    const SelectionView v = selection_of(engine_, *entry);
    const config::ServiceClass* cls = v.cls;
    if (!request.service_class().empty()) {
      cls = engine_.config().steering.find_class(request.service_class());
      if (cls == nullptr) return ApiError{ApiError::Code::invalid_argument, "no class " + request.service_class()};
    }
    // The selection in force (its history) for the prefix's own class; a fresh one for another class.
    const auto* st = engine_.cats_rib().find(entry->key);
    const bool own = cls == v.cls;
    const auto span = steer::span_of(v.candidates);
    const auto sel = steer::select(span, *cls, engine_.cats_rib().params(),
                                   own && st != nullptr ? st->history : steer::History{}, steer::Clock::now());
    std::optional<std::uint32_t> budget;
    if (request.has_latency_budget_ms()) budget = request.latency_budget_ms();
    const auto r = steer::resolve(span, *cls, engine_.cats_rib().params(), sel, budget);
    SelectionView view = v;
    if (!own) view.penalties = steer::penalties(span, *cls, engine_.cats_rib().params());
    out->set_verdict(steer::verdict_name(r.verdict));
    if (r.site) fill_site(engine_, *entry, view, *r.site, out->mutable_site());
    for (auto i : r.alternatives) fill_site(engine_, *entry, view, i, out->add_alternatives());
    out->set_reason(r.reason);
    out->set_prefix(entry->key.prefix.to_string());
    out->set_service_class(cls->name);
    return std::nullopt;
  });
}

ApiResult EngineBackend::show_fib(const pb::ShowFibRequest& request, pb::ShowFibReply* reply) {
  std::optional<wire::Prefix> prefix;
  if (auto err = prefix_filter(request.prefix(), prefix)) return err;
  return run(reply, [this, prefix](pb::ShowFibReply* out) -> ApiResult {
    const auto scope = engine_.config().fib_scope();
    out->set_scope(scope == config::FibScope::kAll        ? "all"
                   : scope == config::FibScope::kServices ? "services"
                                                          : "none");
    const auto* fib = engine_.fib();
    if (fib == nullptr) return std::nullopt;
    const auto st = fib->stats();
    out->set_installed(st.installed);
    out->set_removed(st.removed);
    out->set_errors(st.errors);
    out->set_batches(st.batches);
    const auto now = std::chrono::system_clock::now();
    for (const auto& e : fib->entries()) {
      if (prefix && e.route.prefix != *prefix) continue;
      auto* r = out->add_routes();
      r->set_prefix(e.route.prefix.to_string());
      for (const auto& h : e.route.hops) {
        auto* hop = r->add_hops();
        hop->set_gateway(h.gateway.to_string());
        char name[IF_NAMESIZE] = {};
        hop->set_interface(if_indextoname(h.oif, name) != nullptr ? name : std::to_string(h.oif));
        hop->set_weight(h.weight);
      }
      r->set_state(netlink::fib_state_name(e.state));
      r->set_error(e.error);
      r->set_group(e.group);
      r->set_attempts(e.attempts);
      r->set_updated_s_ago(
          static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(now - e.at).count()));
    }
    if (prefix && out->routes_size() == 0)
      return ApiError{ApiError::Code::not_found, "no FIB route for " + prefix->to_string()};
    return std::nullopt;
  });
}

// One engine watcher feeds every WatchServices stream: a change is built
// once, only when some stream wants it, and shared.
void EngineBackend::on_selection(const rde::SelectionNote& note) {
  std::shared_ptr<const pb::ServiceChange> shared;
  for (const auto& [id, sub] : service_subs_) {
    if (sub.prefix && note.key.prefix != *sub.prefix) continue;
    if (!shared) {
      auto c = std::make_shared<pb::ServiceChange>();
      c->set_prefix(note.key.prefix.to_string());
      c->set_family(family_name(note.key.family));
      c->set_timestamp_ms(unix_ms());
      if (const auto* entry = engine_.loc_rib().find(note.key); entry != nullptr && note.state != nullptr) {
        const SelectionView v = selection_of(engine_, *entry);
        for (const auto& sel : v.selected) {
          auto* site = c->add_selected();
          site->set_next_hop(sel.site.to_string());
          site->set_weight(sel.weight);
          const auto* n = engine_.neighbor_by_id(sel.path.peer);
          site->set_peer(n != nullptr ? n->address() : "local");
          site->set_path_id(sel.path.path_id);
        }
        c->set_reason(v.reason);
        c->set_outcome(v.outcome);
        c->set_tier(v.tier);
        c->set_service_class(v.service_class);
      } else {
        c->set_reason("no choice to make: at most one path");
      }
      shared = std::move(c);
    }
    sub.sink(shared);
  }
}

// The same for WatchRib streams.
void EngineBackend::on_rib_change(const rde::RibChangeNote& note) {
  std::shared_ptr<const pb::RibChange> shared;
  for (const auto& [id, sub] : rib_subs_) {
    if (sub.prefix && note.key.prefix != *sub.prefix) continue;
    if (!sub.family.empty() && sub.family != family_name(note.key.family)) continue;
    if (!shared) {
      auto c = std::make_shared<pb::RibChange>();
      c->set_kind(note.kind == rib::RibEvent::Kind::kBestChanged     ? "best-changed"
                  : note.kind == rib::RibEvent::Kind::kBestWithdrawn ? "best-withdrawn"
                                                                     : "paths-changed");
      c->set_prefix(note.key.prefix.to_string());
      c->set_family(family_name(note.key.family));
      if (const auto* entry = engine_.loc_rib().find(note.key); entry != nullptr && entry->best())
        fill_path(engine_, *entry, *entry->best(), c->mutable_best());
      c->set_timestamp_ms(unix_ms());
      shared = std::move(c);
    }
    sub.sink(shared);
  }
}

ApiResult EngineBackend::watch_services(const pb::WatchServicesRequest& request, api::ServiceSink sink,
                                        std::unique_ptr<api::Subscription>* subscription) {
  std::optional<wire::Prefix> prefix;
  if (auto err = prefix_filter(request.prefix(), prefix)) return err;
  pb::ClearNeighborReply unused;
  auto id = std::make_shared<std::uint64_t>(0);
  auto r = run(&unused, [this, prefix, sink, id](pb::ClearNeighborReply*) -> ApiResult {
    if (!engine_.steering()) return ApiError{ApiError::Code::failed_precondition, "not an ingress: no steering"};
    if (service_subs_.empty())
      service_watch_ = engine_.watch_selection([this](const rde::SelectionNote& note) { on_selection(note); });
    *id = next_sub_++;
    service_subs_.emplace(*id, ServiceSub{prefix, sink});
    return std::nullopt;
  });
  if (r) return r;
  *subscription = std::make_unique<EngineSubscription>(ex_, [this, id] {
    if (service_subs_.erase(*id) > 0 && service_subs_.empty()) engine_.unwatch_selection(service_watch_);
  });
  return std::nullopt;
}

ApiResult EngineBackend::watch_rib(const pb::WatchRibRequest& request, api::RibSink sink,
                                   std::unique_ptr<api::Subscription>* subscription) {
  std::optional<wire::Prefix> prefix;
  if (auto err = prefix_filter(request.prefix(), prefix)) return err;
  const std::string& family = request.family();  // the lambdas below keep copies
  if (!family.empty() && family != "ipv4-unicast" && family != "ipv6-unicast")
    return ApiError{ApiError::Code::invalid_argument, "bad family " + family};
  pb::ClearNeighborReply unused;
  auto id = std::make_shared<std::uint64_t>(0);  // shared: the work may outlive a timed-out wait
  auto r = run(&unused, [this, prefix, family, sink, id](pb::ClearNeighborReply*) -> ApiResult {
    if (rib_subs_.empty()) rib_watch_ = engine_.watch([this](const rde::RibChangeNote& note) { on_rib_change(note); });
    *id = next_sub_++;
    rib_subs_.emplace(*id, RibSub{prefix, family, sink});
    return std::nullopt;
  });
  if (r) return r;
  *subscription = std::make_unique<EngineSubscription>(ex_, [this, id] {
    if (rib_subs_.erase(*id) > 0 && rib_subs_.empty()) engine_.unwatch(rib_watch_);
  });
  return std::nullopt;
}

}  // namespace cats::api
