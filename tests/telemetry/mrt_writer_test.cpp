// The MRT update log on a disk that refuses writes (/dev/full): every
// record is counted as dropped, nothing is thrown, and the writer goes on;
// on a good disk the same records all arrive.
#include "catsd/telemetry/mrt_writer.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <map>
#include <string>

namespace cats::telemetry {
namespace {

class EmptyRib : public RibSource {
 public:
  const rib::LocRib& loc_rib() const override { return rib_; }
  std::map<rib::PeerId, PeerStats> peer_stats() const override { return {}; }
  std::uint32_t local_asn() const override { return 65000; }
  std::uint32_t local_router_id() const override { return 0x0a000001; }

 private:
  rib::LocRib rib_;
};

PeerInfo peer() {
  PeerInfo p;
  p.id = 1;
  p.address = {std::byte{192}, std::byte{0}, std::byte{2}, std::byte{1}};
  p.local = {std::byte{192}, std::byte{0}, std::byte{2}, std::byte{2}};
  p.asn = 65001;
  p.local_asn = 65000;
  return p;
}

// A KEEPALIVE's octets stand for any received message: the log copies them.
const wire::Bytes kMessage = [] {
  wire::Bytes m(19, std::byte{0xff});
  m[16] = std::byte{0};
  m[17] = std::byte{19};
  m[18] = std::byte{4};
  return m;
}();

std::uint64_t log_records(const std::string& file, int records) {
  boost::asio::io_context io;
  EmptyRib rib;
  std::map<rib::PeerId, PeerInfo> peers{{1, peer()}};
  config::Mrt cfg;
  cfg.updates.file = file;
  MrtWriter w(io.get_executor(), cfg, rib, peers);
  for (int i = 0; i < records; ++i) w.received(peers[1], kMessage);
  w.stop();
  EXPECT_EQ(w.dropped(), 0u);  // the backlog never filled: each was tried and refused, or written
  return w.write_failures();
}

TEST(MrtWriter, FullDiskDropsAndCountsEveryRecord) {
  EXPECT_EQ(log_records("/dev/full", 50), 50u);
}

TEST(MrtWriter, GoodDiskKeepsEveryRecord) {
  const auto dir = std::filesystem::temp_directory_path() / ("catsd-mrt-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const auto file = (dir / "updates.mrt").string();
  EXPECT_EQ(log_records(file, 50), 0u);
  // A BGP4MP_ET MESSAGE_AS4 record: 12 octets of MRT header, 4 of microseconds,
  // 2 x 4-octet ASes, interface index, AFI, 2 x IPv4 addresses, then the message.
  const std::uintmax_t per_record = 12 + 4 + 8 + 2 + 2 + 8 + kMessage.size();
  EXPECT_EQ(std::filesystem::file_size(file), 50 * per_record);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cats::telemetry
