// ApiServer over the canned FakeBackend, for client tests (catsctl, python).
// Prints "port N" once serving; each stdin line "emit" sends a WatchRib change;
// stdin EOF stops the server.
#include <iostream>
#include <string>

#include "catsd/api/api_server.hpp"
#include "tests/api/fake_backend.hpp"

int main(int argc, char** argv) {
  const std::string listen = argc > 1 ? argv[1] : "127.0.0.1:0";
  cats::api::FakeBackend backend;
  cats::api::ApiServer server(backend, listen);
  if (auto error = server.start()) {
    std::cerr << "fake_catsd: " << *error << "\n";
    return 1;
  }
  std::cout << "port " << server.bound_port() << std::endl;
  std::uint64_t n = 0;
  for (std::string line; std::getline(std::cin, line);) {
    if (line != "emit") continue;
    cats::api::pb::RibChange change;
    change.set_kind("best-changed");
    change.set_prefix("203.0.113.10/32");
    change.set_family("ipv4-unicast");
    change.set_timestamp_ms(++n);
    backend.emit(change);
  }
  server.stop();
  return 0;
}
