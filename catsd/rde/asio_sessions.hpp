// The real SessionPort: every neighbor's session::Peer with its
// SessionBridge, and the listeners (TCP-MD5 keys and GTSM set on them), all
// on the session thread. Built from the configuration; reports to a
// SessionEvents (the Engine) on the RIB thread.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bgp-ext/session/listener.hpp"
#include "bgp-ext/session/peer.hpp"
#include "catsd/rde/session_bridge.hpp"
#include "catsd/rde/session_port.hpp"
#include "yang/config/config.hpp"

namespace cats::rde {

class AsioSessions : public SessionPort {
 public:
  // `sessions` runs the peers, `rib` the SessionEvents.
  AsioSessions(boost::asio::any_io_executor sessions, boost::asio::any_io_executor rib);
  ~AsioSessions() override;  // after the session executor has stopped

  // One Peer per configured neighbor (ids 1..n in configuration order) and
  // the listeners. Error text when a neighbor does not map or a listener
  // cannot bind. Call before the session thread runs.
  std::optional<std::string> open(const config::Config& cfg, SessionEvents& events);
  // Starts every peer (the session thread is not running yet: starting here is starting there).
  void start();

  void send(rib::PeerId id, std::uint64_t gen, Outgoing out) override;
  void control(rib::PeerId id, const session::Event& ev, bool restart) override;
  void runtime(std::function<void(std::vector<PeerRuntime>)> reply) override;
  void shutdown(std::string text, std::chrono::milliseconds linger, std::function<void()> done) override;

  const boost::asio::any_io_executor& executor() const { return sessions_; }

 private:
  struct Session {
    std::unique_ptr<SessionBridge> bridge;
    std::unique_ptr<session::Peer> peer;
  };
  Session* find(rib::PeerId id);
  session::Peer* find_address(const boost::asio::ip::address& a);
  std::optional<std::string> listen(const config::Config& cfg);

  boost::asio::any_io_executor sessions_;
  boost::asio::any_io_executor rib_;
  std::vector<Session> peers_;  // index id - 1
  std::vector<std::unique_ptr<session::Listener>> listeners_;
};

}  // namespace cats::rde
