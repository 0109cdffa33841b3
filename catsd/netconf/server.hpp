// catsd's NETCONF server (RFC 6241 over SSH, RFC 6242) with libnetconf2:
// its own thread accepts SSH sessions and serves their RPCs against the
// datastores (datastore.hpp). A change to running (a commit, an edit of
// running, copy-config) is applied through Hooks::commit, which the daemon
// runs as a reload: only what changed, or nothing with the reasons.
// libnetconf2 keeps global state: one Server per process.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "catsd/netconf/datastore.hpp"
#include "yang/config/config.hpp"

namespace cats::netconf {

// An RPC's input or output as leaves by their path below it ("l1/compute").
using Leaves = std::vector<std::pair<std::string, std::string>>;
using RpcResult = std::variant<Leaves, RpcError>;

struct Hooks {
  Apply validate;  // a whole configuration checked as catsd loads one
  Apply commit;    // applied to the running daemon (called on the server's thread; it may wait)
  // The config false nodes now, as RFC 7951 JSON ("" for none); may wait.
  std::function<std::string()> state;
  // The RPCs of cats-bgp (by name); may wait.
  std::function<RpcResult(const std::string& op, const Leaves& input)> rpc;
};

struct Paths {
  std::filesystem::path yang;        // cats-bgp.yang
  std::filesystem::path ietf;        // ietf-netconf and friends (Debian's libyuma-base)
  std::filesystem::path config_dir;  // relative host-key and authorized-key paths start here
};

class Server {
 public:
  // Listens on cfg.address:cfg.port; `running` is the configuration file's
  // text. Error text when it cannot start (no modules, the port, the key).
  static std::variant<std::unique_ptr<Server>, std::string> start(const config::Netconf& cfg, const Paths& paths,
                                                                  const std::string& running, Hooks hooks);
  ~Server();  // ends every session and the thread
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The running configuration changed outside NETCONF (a SIGHUP reload):
  // taken by the server's thread before its next RPC. Any thread.
  void set_running(std::string text);
  // Users and their passwords may change with a reload. Any thread.
  void set_users(std::vector<config::NetconfUser> users);
  // A notification of the model (RFC 7951 JSON of one notification) for
  // every session subscribed to the NETCONF stream. Any thread: queued
  // (bounded: the oldest go first, counted), sent by the server's thread.
  void notify(std::string json);

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cats::netconf
