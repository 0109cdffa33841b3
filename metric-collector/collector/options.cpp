#include "metric-collector/collector/options.hpp"

#include <CLI/CLI.hpp>

#include "common/cli/daemon_cli.hpp"
#include "common/version/version.hpp"

namespace cats::collector {

std::variant<CommandLine, Exit> parse_command_line(int argc, const char* const* argv, std::ostream& out,
                                                   std::ostream& err) {
  CommandLine c;
  CLI::App app{"cats-collector: scrape inference engines, score and damp per the configuration", "cats-collector"};
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);  // the last one given counts
  app.footer("exit status: 0 ok, 1 configuration error, 2 usage\nsee cats-collector(8)");
  app.set_version_flag("--version", version::line("cats-collector"), "print the version and exit");
  app.add_option("--config", c.config, "instance of yang/cats-bgp.yang (the collector container)")
      ->type_name("FILE")
      ->required();
  app.add_flag("--once", c.once, "wait until every target answered once, print one snapshot, exit");
  app.add_flag("--json", c.json, "JSON output (--once: the snapshot; running: one line per advertisement)");
  app.add_option("--profiles", c.profiles,
                 "engine profiles file (default: collector/engine-profiles, else the installed one)")
      ->type_name("FILE");
  std::string push;
  auto* push_option =
      app.add_option("--push", push,
                     "stream advertisements to a catsd gRPC API (default: collector/push/catsd-address)")
          ->type_name("HOST:PORT");
  app.add_option("--answers", c.answers,
                 "answers per target before the first evaluation (default: collector/first-report-answers, 2)")
      ->type_name("N")
      ->check(CLI::Range(1U, 100U));
  std::string format = "text";
  cli::add_log_options(app, c.log_level, format);
  if (auto code = cli::parse(app, argc, argv, "cats-collector", "cats-collector --config FILE [OPTIONS]", out, err))
    return Exit{*code};
  if (push_option->count() > 0) c.push = push;
  c.log_format = *log::parse_format(format);
  return c;
}

}  // namespace cats::collector
