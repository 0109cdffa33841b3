// A canned ApiBackend for the API tests and the fake_catsd tool: fixed data,
// errors chosen by request content, WatchRib sinks the test drives by emit().
#pragma once

#include <map>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "catsd/api/api_backend.hpp"

namespace cats::api {

class FakeBackend : public ApiBackend {
 public:
  ApiResult show_neighbors(const pb::ShowNeighborsRequest& request, pb::ShowNeighborsReply* reply) override {
    if (request.address() == "bad") return ApiError{ApiError::Code::invalid_argument, "bad address 'bad'"};
    if (request.address() == "busy") return ApiError{ApiError::Code::unavailable, "catsd is starting"};
    pb::Neighbor up;
    up.set_address("192.0.2.1");
    up.set_remote_as(65001);
    up.set_local_as(65000);
    up.set_description("edge-a");
    up.set_state("established");
    up.set_established_for_s(3725);
    up.set_peer_router_id("10.0.0.1");
    up.set_hold_time(90);
    up.set_keepalive(30);
    up.set_cats_version(1);
    up.set_route_refresh(true);
    up.set_graceful_restart(true);
    up.set_messages_in(120);
    up.set_messages_out(98);
    up.set_updates_in(7);
    up.set_updates_out(3);
    up.set_flaps(1);
    pb::LastError* e = up.mutable_last_error();
    e->set_code(4);
    e->set_reason("hold timer expired");
    e->set_at_s_ago(4000);
    pb::FamilyState* f = up.add_families();
    f->set_name("ipv4-unicast");
    f->set_add_path_receive(true);
    f->set_prefixes_received(3);
    f->set_prefixes_accepted(3);
    f->set_prefixes_advertised(1);
    pb::Neighbor idle;
    idle.set_address("2001:db8::2");
    idle.set_remote_as(65002);
    idle.set_local_as(65000);
    idle.set_state("active");
    for (const pb::Neighbor* n : {&up, &idle}) {
      if (request.address().empty() || request.address() == n->address()) *reply->add_neighbors() = *n;
    }
    if (reply->neighbors_size() == 0) return ApiError{ApiError::Code::not_found, "no neighbor " + request.address()};
    return std::nullopt;
  }

  ApiResult show_rib(const pb::ShowRibRequest& request, pb::ShowRibReply* reply) override {
    if (request.family() == "bogus") return ApiError{ApiError::Code::invalid_argument, "unknown family 'bogus'"};
    if (!request.prefix().empty() && request.prefix() != "203.0.113.10/32") {
      return ApiError{ApiError::Code::not_found, "no route for " + request.prefix()};
    }
    pb::RibEntry* e = reply->add_entries();
    e->set_prefix("203.0.113.10/32");
    e->set_family("ipv4-unicast");
    e->set_reason("cats-score");
    pb::RibPath* p = e->add_paths();
    p->set_peer("192.0.2.1");
    p->set_best(true);
    p->set_next_hop("192.0.2.1");
    p->set_as_path("65001");
    p->set_origin("igp");
    p->set_med(0);  // present although zero
    p->add_communities("65001:100");
    p->set_age_s(61);
    pb::CatsMetrics* c = p->mutable_cats();
    c->set_cs_id("llm");
    c->set_l2(7);
    pb::L1Score* l1 = c->add_l1();
    l1->set_category("compute");
    l1->set_score(9);
    c->set_sequence(17);
    c->set_site_score(7);
    p->set_attributes_hex("40010100");
    if (!request.best_only()) {
      pb::RibPath* q = e->add_paths();
      q->set_peer("192.0.2.5");
      q->set_path_id(2);
      q->set_next_hop("192.0.2.5");
      q->set_as_path("65005 65009 {3 4}");
      q->set_origin("incomplete");
      q->set_local_pref(100);
      q->set_stale(true);
    }
    return std::nullopt;
  }

  ApiResult show_services(const pb::ShowServicesRequest& request, pb::ShowServicesReply* reply) override {
    if (request.service() == "throw") throw std::runtime_error("backend blew up");
    if (request.service() == "edge-only") return ApiError{ApiError::Code::failed_precondition, "not an edge"};
    pb::OriginatedService* o = reply->add_originated();
    o->set_name("llm");
    o->add_prefixes("203.0.113.10/32");
    o->mutable_metrics()->set_l2(7);
    o->mutable_metrics()->set_sequence(17);
    o->set_advertised(true);
    o->set_updates_sent(4);
    pb::ServiceView* v = reply->add_services();
    v->set_prefix("203.0.113.20/32");
    v->set_family("ipv4-unicast");
    pb::Candidate* a = v->add_candidates();
    a->set_peer("192.0.2.1");
    a->set_next_hop("192.0.2.1");
    a->set_igp_cost(10);
    a->set_l2(7);
    a->set_sequence(3);
    a->set_selected(true);
    pb::Candidate* b = v->add_candidates();
    b->set_peer("192.0.2.5");
    b->set_next_hop("192.0.2.5");
    b->set_l2(40);
    b->set_drain(true);
    return std::nullopt;
  }

  // Accepted metrics also show up as a WatchRib change for the service.
  ApiResult inject_metrics(const pb::InjectMetricsRequest& request, pb::InjectMetricsReply* reply) override {
    if (request.service().empty()) return ApiError{ApiError::Code::invalid_argument, "service name missing"};
    if (request.has_l2() && request.l2() > 100) return ApiError{ApiError::Code::invalid_argument, "l2 above 100"};
    if (request.service() == "unknown") return ApiError{ApiError::Code::not_found, "no service 'unknown'"};
    std::uint32_t sequence = 0;
    {
      std::lock_guard lock(mu_);
      injected_.push_back(request);
      sequence = static_cast<std::uint32_t>(injected_.size());
    }
    reply->set_sequence(sequence);
    reply->set_paths_readvertised(1);
    pb::RibChange change;
    change.set_kind("best-changed");
    change.set_prefix("203.0.113.10/32");
    change.set_family("ipv4-unicast");
    change.mutable_best()->set_peer("local");
    if (request.has_l2()) change.mutable_best()->mutable_cats()->set_l2(request.l2());
    change.set_timestamp_ms(sequence);
    emit(change);
    return std::nullopt;
  }

  ApiResult clear_neighbor(const pb::ClearNeighborRequest& request, pb::ClearNeighborReply* reply) override {
    if (request.address() == "all") {
      reply->set_cleared(3);
      return std::nullopt;
    }
    if (request.address() == "192.0.2.1") {
      reply->set_cleared(1);
      return std::nullopt;
    }
    return ApiError{ApiError::Code::not_found, "no neighbor " + request.address()};
  }

  class Sub : public Subscription {
   public:
    Sub(FakeBackend& backend, int id) : backend_(backend), id_(id) {}
    ~Sub() override {
      std::lock_guard lock(backend_.mu_);
      backend_.sinks_.erase(id_);
      ++backend_.unsubscribed_;
    }

   private:
    FakeBackend& backend_;
    int id_;
  };

  ApiResult watch_rib(const pb::WatchRibRequest& request, RibSink sink,
                      std::unique_ptr<Subscription>* subscription) override {
    if (request.family() == "bogus") return ApiError{ApiError::Code::invalid_argument, "unknown family 'bogus'"};
    std::lock_guard lock(mu_);
    const int id = next_id_++;
    sinks_[id] = std::move(sink);
    *subscription = std::make_unique<Sub>(*this, id);
    return std::nullopt;
  }

  // The daemon thread's side: deliver to every live subscription.
  void emit(const pb::RibChange& change) {
    std::lock_guard lock(mu_);
    const auto shared = std::make_shared<const pb::RibChange>(change);
    for (auto& [id, sink] : sinks_) sink(shared);
  }

  std::size_t subscriptions() {
    std::lock_guard lock(mu_);
    return sinks_.size();
  }
  int unsubscribed() {
    std::lock_guard lock(mu_);
    return unsubscribed_;
  }
  std::vector<pb::InjectMetricsRequest> injected() {
    std::lock_guard lock(mu_);
    return injected_;
  }

 private:
  std::mutex mu_;
  std::map<int, RibSink> sinks_;
  int next_id_ = 0;
  int unsubscribed_ = 0;
  std::vector<pb::InjectMetricsRequest> injected_;
};

}  // namespace cats::api
