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
  void add(rib::PeerId id, session::PeerConfig cfg) override;
  void remove(rib::PeerId id) override;
  void reconfigure(rib::PeerId id, session::PeerConfig cfg, bool reset) override;
  void runtime(std::function<void(std::vector<PeerRuntime>)> reply) override;
  void shutdown(std::string text, std::chrono::milliseconds linger, std::function<void()> done) override;

  const boost::asio::any_io_executor& executor() const { return sessions_; }

 private:
  // Shared: work posted to the session thread holds its session, so a
  // neighbor removed meanwhile is freed only after that work ran.
  struct Session {
    std::unique_ptr<SessionBridge> bridge;
    std::unique_ptr<session::Peer> peer;  // after the bridge: destroyed first
  };
  using SessionPtr = std::shared_ptr<Session>;
  SessionPtr make_session(rib::PeerId id, session::PeerConfig cfg);
  SessionPtr find(rib::PeerId id) const;  // RIB thread
  session::Peer* find_address(const boost::asio::ip::address& a);
  std::optional<std::string> listen(const config::Config& cfg);
  // The listeners' TCP-MD5 keys and GTSM for the current peers (session thread).
  void secure_listeners();
  void retire(const SessionPtr& s);

  boost::asio::any_io_executor sessions_;
  boost::asio::any_io_executor rib_;
  SessionEvents* events_ = nullptr;
  std::vector<SessionPtr> rib_view_;  // index id - 1, null once removed; RIB thread only
  std::vector<SessionPtr> peers_;     // the same, session thread only
  std::vector<SessionPtr> retired_;   // removed, their NOTIFICATION draining (session thread)
  std::vector<std::unique_ptr<session::Listener>> listeners_;
  std::vector<boost::asio::ip::address> keyed_;  // neighbors with a TCP-MD5 key on the listeners
};

}  // namespace cats::rde
