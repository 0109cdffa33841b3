// Changing the running configuration: SIGHUP reads the file again, NETCONF
// commits a whole configuration; both are applied as a difference
// (Engine::reconfigure) on the RIB thread. A rejected configuration changes
// nothing and says why. The file is read and validated off the RIB thread,
// so that it does not wait for libyang.
#pragma once

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "catsd/rde/collector_feed.hpp"
#include "catsd/rde/engine.hpp"

namespace cats {

class Reloader {
 public:
  Reloader(boost::asio::io_context& io, rde::Engine& engine, rde::CollectorFeed& feed, std::filesystem::path file,
           std::filesystem::path yang_dir);
  ~Reloader();  // waits for a reading in progress; stops retired collectors
  Reloader(const Reloader&) = delete;
  Reloader& operator=(const Reloader&) = delete;

  // SIGHUP, on the RIB thread. A reload while one is being read is refused with a log line.
  void reload();
  // A whole configuration (RFC 7951 JSON) from NETCONF, from any thread but
  // the RIB's: checked, applied there, waited for. On success the file is
  // rewritten with it (so a restart or SIGHUP keeps it).
  config::ConfigErrors commit(const std::string& json);
  // The checks of commit() alone.
  config::ConfigErrors check(const std::string& json) const;
  // After every applied change, on the RIB thread: the configuration's text and values.
  void on_applied(std::function<void(const std::string& text, const config::Config& cfg)> f) {
    on_applied_ = std::move(f);
  }

 private:
  config::ConfigErrors apply(config::Config next, const std::string& text, const std::string& origin);  // RIB thread

  boost::asio::io_context& io_;
  rde::Engine& engine_;
  rde::CollectorFeed& feed_;
  std::filesystem::path file_;
  std::filesystem::path yang_dir_;
  std::thread reader_;
  bool reading_ = false;  // RIB thread
  std::function<void(const std::string&, const config::Config&)> on_applied_;
  // Collectors replaced by a reload: stopped, freed with this object (their
  // cancelled operations may still be queued on the event loop).
  std::vector<std::unique_ptr<collector::Pipeline>> retired_;
};

// The file's text; empty when it cannot be read.
std::string read_text(const std::filesystem::path& file);

}  // namespace cats
