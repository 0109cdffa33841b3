#include "catsd/telemetry/mrt_writer.hpp"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "catsd/telemetry/route_update.hpp"

namespace cats::telemetry {

namespace {

using SysClock = std::chrono::system_clock;

MrtSession session_of(const PeerInfo& p) {
  MrtSession s;
  s.peer_as = p.asn;
  s.local_as = p.local_asn;
  s.peer = MrtAddress::from(p.address);
  s.local = MrtAddress::from(p.local);
  return s;
}

bool add_path_message(const PeerInfo& p) {
  return p.add_path.ipv4 || p.add_path.ipv6;
}

// When a path arrived, on the wall clock.
std::uint32_t originated(const rib::AdjRoute& r, MrtTime now) {
  const auto age = rib::Clock::now() - r.arrived();
  return static_cast<std::uint32_t>(
      std::chrono::duration_cast<std::chrono::seconds>((now - age).time_since_epoch()).count());
}

bool write_all(std::ofstream& f, const wire::Bytes& b) {
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  f.flush();
  return f.good();
}

}  // namespace

std::string mrt_file_name(const std::string& pattern, SysClock::time_point t) {
  const std::time_t tt = SysClock::to_time_t(t);
  std::tm tm{};
  ::gmtime_r(&tt, &tm);
  std::string out(pattern.size() + 256, '\0');
  const auto n = std::strftime(out.data(), out.size(), pattern.c_str(), &tm);
  out.resize(n);
  return n == 0 ? pattern : out;
}

wire::Bytes mrt_table_dump(const RibSource& src, const std::map<rib::PeerId, PeerInfo>& peers, MrtTime now) {
  std::vector<MrtPeer> table;
  std::map<rib::PeerId, std::uint16_t> index;
  MrtPeer self;
  self.bgp_id = src.local_router_id();
  self.asn = src.local_asn();
  table.push_back(self);
  index[0] = 0;
  for (const auto& [id, p] : peers) {
    index[id] = static_cast<std::uint16_t>(table.size());
    table.push_back({p.bgp_id, MrtAddress::from(p.address), p.asn});
  }
  wire::Bytes out = mrt_peer_index(now, src.local_router_id(), "catsd", table);
  std::uint32_t seq = 0;
  std::vector<wire::Bytes> attrs;
  std::vector<MrtRibEntry> entries;
  for (const rib::RibEntry* e : src.loc_rib().sorted()) {
    attrs.clear();
    entries.clear();
    bool add_path = false;
    for (const auto& r : e->paths()) {
      auto it = index.find(r.peer);
      if (it == index.end() || !r.attrs) continue;
      auto a = mrt_attributes(r.attrs->bytes());
      if (!a) continue;
      attrs.push_back(std::move(*a));
      add_path = add_path || r.path_id != 0;
      entries.push_back({it->second, originated(r, now), r.path_id, {}});
    }
    if (entries.empty()) continue;
    for (std::size_t i = 0; i < entries.size(); ++i) entries[i].attrs = attrs[i];
    const auto rec = mrt_rib(now, seq++, e->key.family, e->key.prefix, add_path, entries);
    out.insert(out.end(), rec.begin(), rec.end());
  }
  return out;
}

MrtWriter::MrtWriter(boost::asio::any_io_executor ex, config::Mrt cfg, const RibSource& src,
                     const std::map<rib::PeerId, PeerInfo>& peers)
    : ex_(std::move(ex)), cfg_(std::move(cfg)), src_(src), peers_(peers), dump_timer_(ex_) {
  thread_ = std::thread([this] { run(); });
}

MrtWriter::~MrtWriter() {
  try {
    stop();
  } catch (const std::exception& e) {
    spdlog::error("MRT writer: {}", e.what());
  }
}

void MrtWriter::start() {
  if (!cfg_.table_dump.file.empty()) arm_dump();
}

void MrtWriter::arm_dump() {
  dump_timer_.expires_after(cfg_.table_dump.interval);
  dump_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;  // fired as it was stopped: no dump, no re-arm
    dump();
    arm_dump();
  });
}

void MrtWriter::dump() {
  if (cfg_.table_dump.file.empty()) return;
  const auto now = SysClock::now();
  auto bytes = std::make_shared<wire::Bytes>(mrt_table_dump(src_, peers_, now));
  const std::string name = mrt_file_name(cfg_.table_dump.file, now);
  post(0, [bytes, name] {
    // Readers never see a partial dump: a temporary name, then rename.
    const std::string tmp = name + ".tmp";
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) {
      spdlog::error("MRT dump {}: cannot write: {}", tmp, std::strerror(errno));
      return;
    }
    const bool ok = write_all(f, *bytes);
    f.close();
    std::error_code ec;
    if (ok) std::filesystem::rename(tmp, name, ec);
    if (!ok || ec) {
      spdlog::error("MRT dump {}: write failed", name);
      std::filesystem::remove(tmp, ec);
      return;
    }
    spdlog::info("MRT dump {}: {} octets", name, bytes->size());
  });
}

void MrtWriter::peer_up(const PeerInfo& p) {
  log(mrt_state_change(SysClock::now(), session_of(p), mrt::kOpenConfirm, mrt::kEstablished));
}

void MrtWriter::peer_down(const PeerInfo& p) {
  log(mrt_state_change(SysClock::now(), session_of(p), mrt::kEstablished, mrt::kIdle));
}

void MrtWriter::received(const PeerInfo& p, wire::ByteSpan message) {
  log(mrt_message(SysClock::now(), session_of(p), add_path_message(p), message));
}

void MrtWriter::log(wire::Bytes record) {
  if (cfg_.updates.file.empty()) return;
  const auto now = SysClock::now();
  const auto period = cfg_.updates.interval.count() > 0 ? cfg_.updates.interval : std::chrono::seconds{900};
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch());
  const SysClock::time_point start{secs - secs % period};
  std::string name = mrt_file_name(cfg_.updates.file, start);
  const std::size_t size = record.size();
  post(size, [this, name = std::move(name), record = std::move(record)] {
    const auto failed = [&](const char* what) {
      ++write_failures_;
      if (auto n = errors_.allow(what))
        spdlog::error("MRT log {}: {}: {}; records dropped{}", name, what, std::strerror(errno),
                      cats::log::RateLimit::suffix(*n));
    };
    if (name != log_name_ || !log_.is_open()) {
      log_.close();
      log_.clear();
      log_.open(name, std::ios::binary | std::ios::app);
      log_name_ = name;
      if (!log_.is_open()) return failed("cannot open");
    }
    const std::streamoff before = log_.tellp();
    if (write_all(log_, record)) return;
    failed("write failed");
    // Part of the record may have reached the file: cut it off, so that the
    // records before it stay readable; the next record opens the file again.
    log_.close();
    log_.clear();
    std::error_code ec;
    if (before >= 0 && std::filesystem::is_regular_file(name, ec))
      std::filesystem::resize_file(name, static_cast<std::uintmax_t>(before), ec);
  });
}

void MrtWriter::post(std::size_t bytes, std::function<void()> job) {
  {
    const std::lock_guard lock(mu_);
    if (stopping_) return;
    if (bytes > 0 && backlog_ + bytes > kBacklogLimit) {
      ++dropped_;
      return;
    }
    backlog_ += bytes;
    jobs_.emplace_back(bytes, std::move(job));
  }
  cv_.notify_one();
}

void MrtWriter::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty()) break;
    auto [bytes, job] = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();
    lock.lock();
    backlog_ -= bytes;
  }
  log_.close();
}

void MrtWriter::stop() {
  stopped_ = true;
  dump_timer_.cancel();
  {
    const std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

}  // namespace cats::telemetry
