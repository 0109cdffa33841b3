#include "common/cli/daemon_cli.hpp"

#include <ostream>
#include <vector>

#include "common/log/log.hpp"
#include "common/version/version.hpp"

namespace cats::cli {

namespace {

std::vector<std::string> names(const auto& list) {
  return {list.begin(), list.end()};
}

}  // namespace

void add_log_options(CLI::App& app, std::string& level, std::string& format) {
  app.add_option("--log-level", level, "least severe level logged")
      ->type_name("LEVEL")
      ->capture_default_str()
      ->check(CLI::IsMember(names(log::kLevelNames)));
  app.add_option("--log-format", format, "text, or json (one object a line: time, level, logger, msg)")
      ->type_name("FORMAT")
      ->capture_default_str()
      ->check(CLI::IsMember(names(log::kFormatNames)));
}

std::optional<int> parse(CLI::App& app, int argc, const char* const* argv, std::string_view program,
                         std::string_view usage, std::ostream& out, std::ostream& err) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    out << app.help() << "\n";  // CLI11 ends the footer without one
    return 0;
  } catch (const CLI::CallForVersion&) {
    out << version::line(program) << "\n";
    return 0;
  } catch (const CLI::ParseError& e) {
    err << program << ": " << e.what() << "\n"
        << "usage: " << usage << " (" << program << " --help lists them)\n";
    return kUsage;
  }
  return std::nullopt;
}

}  // namespace cats::cli
