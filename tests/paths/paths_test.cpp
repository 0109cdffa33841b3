// The rule that finds the data files from the executable's place; the
// installed tree end to end is tests/package/install_test.sh.
#include "common/paths/paths.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace cats::paths {
namespace {

TEST(Paths, BesideTheBinariesPrefix) {
  EXPECT_EQ(data_dir_for("/usr/sbin/catsd", nullptr), "/usr/share/catsd");
  EXPECT_EQ(data_dir_for("/opt/cats/bin/catsctl", nullptr), "/opt/cats/share/catsd");
  EXPECT_EQ(data_dir_for("/home/u/catsd/build/bin/catsd", ""), "/home/u/catsd/build/share/catsd");
}

TEST(Paths, EnvironmentOverrides) {
  EXPECT_EQ(data_dir_for("/usr/sbin/catsd", "/srv/catsd-data"), "/srv/catsd-data");
  EXPECT_EQ(data_dir_for(std::nullopt, "/srv/catsd-data"), "/srv/catsd-data");
}

TEST(Paths, UnknownExecutableFallsBackToTheInstallPrefix) {
  const auto dir = data_dir_for(std::nullopt, nullptr);
  EXPECT_TRUE(dir.is_absolute());
  EXPECT_EQ(dir.filename(), "catsd");
}

// This test binary lives in the build tree's bin/: its share/catsd links to
// the source tree's files, as an installed binary's holds copies.
TEST(Paths, TheBuildTreeHasTheInstalledLayout) {
  ::unsetenv(kDataDirEnv);
  EXPECT_TRUE(std::filesystem::exists(yang_dir() / "cats-bgp.yang")) << yang_dir();
  EXPECT_TRUE(std::filesystem::exists(engine_profiles())) << engine_profiles();
  ::setenv(kDataDirEnv, "/nowhere", 1);
  EXPECT_EQ(yang_dir(), "/nowhere/yang");
  ::unsetenv(kDataDirEnv);
}

}  // namespace
}  // namespace cats::paths
