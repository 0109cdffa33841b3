// The engine's state as API messages (proto/catsd.proto). Runs on the
// engine's thread; the API backend posts these and waits.
#pragma once

#include "catsd/rde/engine.hpp"
#include "proto/catsd.pb.h"

namespace cats::api {

namespace pb = ::cats::api::v1;

// `rt`: rde::Engine::peer_runtime(), taken on the session thread.
void show_neighbors(const rde::Engine& e, const std::vector<rde::PeerRuntime>& rt, const pb::ShowNeighborsRequest& req,
                    pb::ShowNeighborsReply* out);
// False when the request's prefix or family does not parse.
bool show_rib(const rde::Engine& e, const pb::ShowRibRequest& req, pb::ShowRibReply* out);
void show_services(const rde::Engine& e, const pb::ShowServicesRequest& req, pb::ShowServicesReply* out);
// One path as the API shows it (show rib, watch).
void fill_path(const rde::Engine& e, const rib::RibEntry& entry, std::size_t i, pb::RibPath* out);
const char* family_name(wire::Family f);  // "ipv4-unicast", "ipv6-unicast", "other"
// Why a session went down, in words: "hold-timer-expired (sent Hold Timer Expired/...)".
std::string down_reason(const session::SessionDown& d);

// The CATS selection of one prefix as show, watch and Resolve present it.
// Its implicit move constructor moves `candidates`, a boost small_vector: with
// the elements inline they move one by one into inline storage of the same
// capacity, through code that throws when capacity runs out, which it cannot.
// NOLINTNEXTLINE(bugprone-exception-escape): small_vector's move has a throw path it never takes here
struct SelectionView {
  bool steering = false;  // an ingress, and a service prefix
  const config::ServiceClass* cls = nullptr;
  std::string service_class;
  std::string service;
  steer::Candidates candidates;  // one per path of the entry
  std::vector<std::optional<double>> penalties;
  std::vector<steer::Selected> selected;
  std::string reason;
  std::string outcome;
  std::string tier;
  std::uint64_t changes = 0;
  std::optional<steer::Clock::time_point> changed_at;

  const config::ServiceClass& klass() const { return *cls; }
  const steer::Selected* selected_path(rib::PeerId peer, std::uint32_t path_id) const;
};
SelectionView selection_of(const rde::Engine& e, const rib::RibEntry& entry);

}  // namespace cats::api
