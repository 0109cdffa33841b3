// SIGHUP: the configuration file read again and applied as a difference
// (Engine::reconfigure). The file is read and validated on a thread of its
// own, so that the RIB thread does not wait for libyang; the result is
// applied on the RIB thread. A rejected file changes nothing and says why.
#pragma once

#include <boost/asio/io_context.hpp>
#include <filesystem>
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

  // On the RIB thread. A reload while one is being read is refused with a log line.
  void reload();

 private:
  void apply(config::Config next);  // RIB thread

  boost::asio::io_context& io_;
  rde::Engine& engine_;
  rde::CollectorFeed& feed_;
  std::filesystem::path file_;
  std::filesystem::path yang_dir_;
  std::thread reader_;
  bool reading_ = false;  // RIB thread
  // Collectors replaced by a reload: stopped, freed with this object (their
  // cancelled operations may still be queued on the event loop).
  std::vector<std::unique_ptr<collector::Pipeline>> retired_;
};

}  // namespace cats
