// The command lines of catsd and cats-collector (CLI11): validated values,
// usage errors (exit 2), --help and --version (exit 0), the defaults.
#include "catsd/options.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "common/version/version.hpp"
#include "metric-collector/collector/options.hpp"

namespace cats::cli {
namespace {

struct Line {
  std::ostringstream out;
  std::ostringstream err;
  std::vector<const char*> argv;
  explicit Line(std::initializer_list<const char*> args) : argv(args) {}
};

std::variant<daemon::Options, daemon::Exit> catsd(Line& r) {
  return daemon::parse_options(static_cast<int>(r.argv.size()), r.argv.data(), r.out, r.err);
}

int catsd_exit(Line& r) {
  const auto parsed = catsd(r);
  return std::holds_alternative<daemon::Exit>(parsed) ? std::get<daemon::Exit>(parsed).status : -1;
}

TEST(CatsdOptions, Defaults) {
  Line r{"catsd", "--config", "c.json"};
  const auto o = std::get<daemon::Options>(catsd(r));
  EXPECT_EQ(o.config_file, "c.json");
  EXPECT_EQ(o.api, daemon::kDefaultApi);
  EXPECT_EQ(o.log_level, "info");
  EXPECT_EQ(o.log_format, log::Format::kText);
  EXPECT_FALSE(o.check || o.api_insecure);
  EXPECT_TRUE(o.user.empty() && o.api_tls_cert.empty() && o.api_token_file.empty());
}

TEST(CatsdOptions, EveryOption) {
  Line r{"catsd",
         "--config",
         "c.json",
         "--api",
         "unix:/run/catsd/api.sock",
         "--yang-dir",
         "/y",
         "--log-level",
         "debug",
         "--log-format=json",
         "--check",
         "--user",
         "catsd",
         "--group",
         "catsd",
         "--api-tls-cert",
         "c.pem",
         "--api-tls-key",
         "k.pem",
         "--api-client-ca",
         "ca.pem",
         "--api-token-file",
         "t",
         "--api-insecure"};
  const auto o = std::get<daemon::Options>(catsd(r));
  EXPECT_EQ(o.api, "unix:/run/catsd/api.sock");
  EXPECT_EQ(o.yang_dir, "/y");
  EXPECT_EQ(o.log_level, "debug");
  EXPECT_EQ(o.log_format, log::Format::kJson);
  EXPECT_TRUE(o.check && o.api_insecure);
  EXPECT_EQ(o.user, "catsd");
  EXPECT_EQ(o.group, "catsd");
  EXPECT_EQ(o.api_tls_cert, "c.pem");
  EXPECT_EQ(o.api_tls_key, "k.pem");
  EXPECT_EQ(o.api_client_ca, "ca.pem");
  EXPECT_EQ(o.api_token_file, "t");
}

TEST(CatsdOptions, TheLastOfARepeatedOptionCounts) {
  Line r{"catsd", "--config", "a.json", "--api", "none", "--api", "127.0.0.1:1"};
  EXPECT_EQ(std::get<daemon::Options>(catsd(r)).api, "127.0.0.1:1");
}

TEST(CatsdOptions, BadLevelIsAUsageError) {
  Line r{"catsd", "--config", "c.json", "--log-level", "verbose"};
  EXPECT_EQ(catsd_exit(r), 2);
  EXPECT_NE(r.err.str().find("--log-level: verbose not in {trace,debug,info,warn,error,critical,off}"),
            std::string::npos)
      << r.err.str();
  Line f{"catsd", "--config", "c.json", "--log-format", "xml"};
  EXPECT_EQ(catsd_exit(f), 2);
}

TEST(CatsdOptions, UsageErrors) {
  Line unknown{"catsd", "--config", "c.json", "--bogus"};
  EXPECT_EQ(catsd_exit(unknown), 2);
  EXPECT_NE(unknown.err.str().find("--bogus"), std::string::npos);
  Line missing{"catsd"};  // no --config: the package's file
  ASSERT_TRUE(std::holds_alternative<daemon::Options>(catsd(missing))) << missing.err.str();
  EXPECT_EQ(std::get<daemon::Options>(catsd(missing)).config_file, "/etc/catsd/catsd.json");
  Line no_value{"catsd", "--config"};
  EXPECT_EQ(catsd_exit(no_value), 2);
  Line key_alone{"catsd", "--config", "c.json", "--api-tls-key", "k.pem"};
  EXPECT_EQ(catsd_exit(key_alone), 2) << "a key without a certificate";
  Line ca_alone{"catsd", "--config", "c.json", "--api-client-ca", "ca.pem"};
  EXPECT_EQ(catsd_exit(ca_alone), 2) << "mutual TLS without TLS";
}

TEST(CatsdOptions, HelpAndVersion) {
  Line help{"catsd", "--help"};
  EXPECT_EQ(catsd_exit(help), 0);
  for (const char* o : {"--config", "--api-tls-cert", "--api-insecure", "--user", "--log-format", "exit status"})
    EXPECT_NE(help.out.str().find(o), std::string::npos) << o;
  Line version{"catsd", "--version"};
  EXPECT_EQ(catsd_exit(version), 0);
  EXPECT_EQ(version.out.str(), version::line("catsd") + "\n");
  EXPECT_EQ(version.out.str().rfind("catsd " + std::string(version::project()), 0), 0u);
}

std::variant<collector::CommandLine, collector::Exit> collector_line(Line& r) {
  return collector::parse_command_line(static_cast<int>(r.argv.size()), r.argv.data(), r.out, r.err);
}

int collector_exit(Line& r) {
  const auto parsed = collector_line(r);
  return std::holds_alternative<collector::Exit>(parsed) ? std::get<collector::Exit>(parsed).status : -1;
}

TEST(CollectorOptions, Values) {
  Line r{"cats-collector", "--config",        "c.json",       "--once", "--json", "--answers", "3",
         "--push",         "127.0.0.1:50051", "--log-format", "json"};
  const auto c = std::get<collector::CommandLine>(collector_line(r));
  EXPECT_TRUE(c.once && c.json);
  EXPECT_EQ(c.answers, 3u);
  EXPECT_EQ(c.push, "127.0.0.1:50051");
  EXPECT_EQ(c.log_format, log::Format::kJson);
  Line d{"cats-collector", "--config", "c.json"};
  const auto dc = std::get<collector::CommandLine>(collector_line(d));
  EXPECT_FALSE(dc.push.has_value()) << "no --push: the configuration's address";
  EXPECT_EQ(dc.answers, 0u);
}

TEST(CollectorOptions, UsageErrors) {
  for (auto args : {std::vector<const char*>{"cats-collector"},
                    {"cats-collector", "--config", "c.json", "--answers", "0"},
                    {"cats-collector", "--config", "c.json", "--answers", "x"},
                    {"cats-collector", "--config", "c.json", "--log-level", "verbose"},
                    {"cats-collector", "--config", "c.json", "--bogus"}}) {
    Line r{};
    r.argv = args;
    EXPECT_EQ(collector_exit(r), 2) << args.back();
    EXPECT_EQ(r.err.str().rfind("cats-collector: ", 0), 0u) << r.err.str();
    EXPECT_NE(r.err.str().find("usage: cats-collector"), std::string::npos) << "interop/loadsim expects it";
  }
  Line version{"cats-collector", "--version"};
  EXPECT_EQ(collector_exit(version), 0);
  EXPECT_EQ(version.out.str(), version::line("cats-collector") + "\n");
}

}  // namespace
}  // namespace cats::cli
