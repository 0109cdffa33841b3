// The configuration datastores of the NETCONF server (RFC 6241 §5, §8.3):
// running and candidate as libyang trees of cats-bgp, locks, and the
// operations on them. Nothing here knows SSH or the daemon: a commit hands
// the candidate, as RFC 7951 JSON, to a function that applies it (the
// daemon's reconfiguration) and keeps it only when that succeeds.
#pragma once

#include <libyang/libyang.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "catsd/netconf/edit.hpp"
#include "yang/config/config.hpp"

namespace cats::netconf {

enum class Store : std::uint8_t { kRunning, kCandidate };
const char* store_name(Store s);

// A whole configuration as catsd reads it (RFC 7951 JSON): errors with data
// paths, nothing applied when there is one.
using Apply = std::function<config::ConfigErrors(const std::string& json)>;
// Asked before a datastore changes, with the trees before and after (access
// control): an error refuses the change.
using Guard = std::function<std::optional<RpcError>(const lyd_node* before, const lyd_node* after)>;

class Datastores {
 public:
  // `ctx` holds cats-bgp and ietf-netconf (for nc:operation) and outlives this.
  explicit Datastores(ly_ctx* ctx);

  // The running configuration from a file's text (JSON or XML), e.g. after
  // a reload; the candidate follows unless it holds changes.
  std::optional<RpcError> load_running(const std::string& text);

  const lyd_node* tree(Store s) const { return s == Store::kRunning ? running_.get() : candidate_.get(); }
  // RFC 7951 JSON of a tree (what Apply gets); "{}" for an empty one.
  std::string json(const lyd_node* tree) const;

  // edit-config (§7.2). On running, the result is applied at once with
  // `apply`; on candidate it waits for commit. Nothing changes on error.
  std::optional<RpcError> edit(Store target, const lyd_node* edit, EditOp default_op, bool test_only,
                               const Apply& apply, const Guard& guard = {});
  // copy-config of a whole configuration into `target` (§7.3).
  std::optional<RpcError> replace(Store target, Tree config, const Apply& apply, const Guard& guard = {});
  std::optional<RpcError> validate(Store source, const Apply& check) const;
  std::optional<RpcError> commit(const Apply& apply, const Guard& guard = {});  // §8.3.4.1

  // Confirmed commit (§8.4): the candidate is applied, and running goes
  // back to what it was unless a confirming commit comes within `timeout`.
  // Without `persist` it must come from `session`, and the session's end
  // rolls back; with it, from any session naming it as persist-id.
  struct Confirm {
    bool confirmed = false;  // <confirmed/>; a commit without it confirms a pending one
    std::chrono::seconds timeout{600};
    std::optional<std::string> persist;     // <persist> of this commit
    std::optional<std::string> persist_id;  // <persist-id> naming an earlier one
  };
  using Clock = std::chrono::steady_clock;
  std::optional<RpcError> commit(const Apply& apply, const Guard& guard, std::uint32_t session, const Confirm& confirm,
                                 Clock::time_point now);
  std::optional<RpcError> cancel_commit(const Apply& apply, std::uint32_t session,
                                        const std::optional<std::string>& persist_id);
  // Rolls back a confirmed commit whose time is up: nullopt when none was
  // due, else the rollback's outcome.
  std::optional<std::optional<RpcError>> expire(const Apply& apply, Clock::time_point now);
  bool confirming() const { return pending_.has_value(); }
  void discard();  // §8.3.4.2
  bool candidate_changed() const { return changed_; }

  // Locks (§7.5): 0 is nobody. A lock on candidate needs it unchanged.
  std::optional<RpcError> lock(Store s, std::uint32_t session);
  std::optional<RpcError> unlock(Store s, std::uint32_t session);
  // A change by `session` to `s`: refused while another session holds its lock.
  std::optional<RpcError> check_lock(Store s, std::uint32_t session) const;
  // A session ended: its locks go, with the candidate's its changes, and
  // a confirmed commit of its own (not persisted) is rolled back.
  void session_ended(std::uint32_t session, const Apply& apply = {});

 private:
  std::optional<RpcError> apply_tree(const lyd_node* tree, const Apply& apply) const;
  Tree dup(const lyd_node* t) const;

  ly_ctx* ctx_;
  const lys_module* ncmod_;
  Tree running_;
  Tree candidate_;
  std::optional<RpcError> rollback(const Apply& apply);

  bool changed_ = false;
  std::array<std::uint32_t, 2> locks_{};
  struct Pending {
    Tree backup;  // running before the first confirmed commit
    Clock::time_point deadline;
    std::uint32_t session = 0;
    std::optional<std::string> persist;
  };
  std::optional<Pending> pending_;
};

// The first configuration error as an rpc-error (invalid-value, its path).
RpcError to_rpc_error(const config::ConfigErrors& errors);

}  // namespace cats::netconf
