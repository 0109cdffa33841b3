// Fuzzes the configuration loader (libyang validation, then catsd's own
// checks and mapping) with arbitrary text. The file is local input, but a
// NETCONF edit will reach the same code from the network. Properties: never
// crashes; a rejected text gets at least one error, and every error has a
// path and a reason.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <variant>

#include "tests/fuzz/check.hpp"
#include "yang/loader/load.hpp"

using cats::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto result = cats::loader::load_config_text(text);
  if (const auto* errors = std::get_if<cats::config::ConfigErrors>(&result)) {
    check(!errors->empty(), "a rejected configuration has an error");
    for (const auto& e : *errors) check(!e.path.empty() && !e.reason.empty(), "error with path and reason");
  }
  return 0;
}
