// BMP stations and MRT files behind the engine's RibMonitor tap (RIB
// thread). Each station gets, on every (re)connection, Initiation, the Peer
// Up of each Established peer (and of the Loc-RIB, RFC 9069), the table in
// parts as its queue drains, then End-of-RIB; after that each change as it
// happens, Statistics Reports by interval, and Termination at shutdown.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "catsd/telemetry/bmp_message.hpp"
#include "catsd/telemetry/bmp_station.hpp"
#include "catsd/telemetry/mrt_writer.hpp"
#include "catsd/telemetry/rib_monitor.hpp"
#include "yang/config/config.hpp"

namespace cats::telemetry {

class Telemetry final : public RibMonitor {
 public:
  Telemetry(boost::asio::any_io_executor ex, const config::Config& cfg, const RibSource& src);
  ~Telemetry() override;

  // Whether anything is configured: the engine taps an active one only.
  bool active() const { return !stations_.empty() || mrt_ != nullptr; }
  void start();
  // A reload's /bmp and /mrt: a station added starts, one removed or changed
  // gets Termination and is closed (a changed one starts again, so it is
  // sent everything from Initiation), new MRT files replace the old once
  // what is queued is written. Peers are forgotten when nothing is left:
  // the engine replays them when it taps this again.
  void reconfigure(const config::Config& next);
  // Termination to every station (written, or after a second), MRT files
  // closed; `done` runs on the executor.
  void stop(std::function<void()> done);

  void peer_up(const PeerInfo& p) override;
  void peer_down(rib::PeerId id, const session::SessionDown& why) override;
  void received(rib::PeerId id, wire::ByteSpan message) override;
  bool wants_post_policy() const override { return post_policy_; }
  void adj_in_changed(rib::PeerId id, const rib::PrefixKey& key, std::uint32_t path_id,
                      const rib::AdjRoute* path) override;
  void best_changed(const rib::RibEvent& ev) override;

 private:
  struct Station {
    std::unique_ptr<BmpStation> conn;
    std::unique_ptr<boost::asio::steady_timer> stats;
    std::uint64_t dump = 0;  // number of the dump in progress (a new connection starts another)
  };
  std::unique_ptr<Station> make_station(const config::BmpStation& cfg);
  void start_station(Station& s);
  void retire(std::unique_ptr<Station> s, const char* why);
  void connected(Station& s);
  void dump_part(Station& s, std::shared_ptr<std::vector<rib::PrefixKey>> keys, std::size_t at, std::uint64_t dump);
  void dump_done(Station& s);
  void entry_to(Station& s, const rib::RibEntry& e);
  void arm_stats(Station& s);
  void send_stats(Station& s);
  PeerHeader header(const PeerInfo& p, bool post_policy, bool as2 = false) const;
  PeerHeader loc_rib_header() const;
  wire::Bytes peer_up_message(const PeerInfo& p, bool post_policy) const;
  wire::Bytes loc_rib_peer_up() const;
  std::optional<std::uint32_t> path_id_for(const PeerInfo& p, wire::Family f, std::uint32_t id) const;

  boost::asio::any_io_executor ex_;
  const RibSource& src_;
  std::map<rib::PeerId, PeerInfo> peers_;  // Established now
  std::vector<std::unique_ptr<Station>> stations_;
  std::unique_ptr<MrtWriter> mrt_;
  config::Mrt mrt_cfg_;
  // Stations and MRT writers a reload replaced: closed or stopped, freed with
  // this object (their cancelled operations may still be queued).
  std::vector<std::unique_ptr<Station>> retired_;
  std::vector<std::unique_ptr<MrtWriter>> retired_mrt_;
  bool post_policy_ = false;
  std::string sys_name_;
};

}  // namespace cats::telemetry
