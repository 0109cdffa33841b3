#include "catsd/netconf/datastore.hpp"

#include <cstdlib>
#include <memory>

#include "yang/loader/libyang.hpp"

namespace cats::netconf {

namespace {

std::size_t index(Store s) {
  return s == Store::kRunning ? 0 : 1;
}

std::string last_error(ly_ctx* ctx, const std::string& fallback) {
  const char* m = ly_errmsg(ctx);
  return m != nullptr && *m != '\0' ? std::string(m) : fallback;
}

}  // namespace

const char* store_name(Store s) {
  return s == Store::kRunning ? "running" : "candidate";
}

RpcError to_rpc_error(const config::ConfigErrors& errors) {
  RpcError e{"invalid-value", "", "invalid configuration"};
  if (errors.empty()) return e;
  e.path = errors.front().path;
  e.message = errors.front().reason;
  for (std::size_t i = 1; i < errors.size(); ++i) e.message += "; " + errors[i].message();
  return e;
}

Datastores::Datastores(ly_ctx* ctx) : ctx_(ctx), ncmod_(ly_ctx_get_module_implemented(ctx, "ietf-netconf")) {}

Tree Datastores::dup(const lyd_node* t) const {
  lyd_node* out = nullptr;
  if (t != nullptr) lyd_dup_siblings(t, nullptr, LYD_DUP_RECURSIVE, &out);
  return Tree{out};
}

std::string Datastores::json(const lyd_node* tree) const {
  if (tree == nullptr) return "{}";
  char* raw = nullptr;
  lyd_print_mem(&raw, tree, LYD_JSON, LYD_PRINT_WITHSIBLINGS);
  const loader::ly::Text owned{raw};
  return raw != nullptr ? std::string(raw) : std::string("{}");
}

std::optional<RpcError> Datastores::load_running(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  const bool xml = first != std::string::npos && text[first] == '<';
  lyd_node* raw = nullptr;
  if (lyd_parse_data_mem(ctx_, text.c_str(), xml ? LYD_XML : LYD_JSON, LYD_PARSE_STRICT | LYD_PARSE_NO_STATE,
                         LYD_VALIDATE_NO_STATE, &raw) != LY_SUCCESS) {
    lyd_free_all(raw);
    return RpcError{"invalid-value", "", last_error(ctx_, "not a valid configuration")};
  }
  running_.reset(raw);
  if (!changed_) candidate_ = dup(running_.get());
  return std::nullopt;
}

std::optional<RpcError> Datastores::apply_tree(const lyd_node* tree, const Apply& apply) const {
  if (auto errors = apply(json(tree)); !errors.empty()) return to_rpc_error(errors);
  return std::nullopt;
}

std::optional<RpcError> Datastores::edit(Store target, const lyd_node* edit, EditOp default_op, bool test_only,
                                         const Apply& apply, const Guard& guard) {
  Tree next = dup(tree(target));
  lyd_node* root = next.release();
  auto err = apply_edit(&root, edit, default_op, ncmod_);
  next.reset(root);
  if (err) return err;
  if (guard)
    if (auto e = guard(tree(target), next.get())) return e;
  if (target == Store::kCandidate) {
    if (test_only) return std::nullopt;
    candidate_ = std::move(next);
    changed_ = true;
    return std::nullopt;
  }
  if (auto e = apply_tree(next.get(), apply)) return e;
  if (test_only) return std::nullopt;
  running_ = std::move(next);
  if (!changed_) candidate_ = dup(running_.get());
  return std::nullopt;
}

std::optional<RpcError> Datastores::replace(Store target, Tree config, const Apply& apply, const Guard& guard) {
  if (guard)
    if (auto e = guard(tree(target), config.get())) return e;
  if (target == Store::kCandidate) {
    candidate_ = std::move(config);
    changed_ = true;
    return std::nullopt;
  }
  if (auto e = apply_tree(config.get(), apply)) return e;
  running_ = std::move(config);
  if (!changed_) candidate_ = dup(running_.get());
  return std::nullopt;
}

std::optional<RpcError> Datastores::validate(Store source, const Apply& check) const {
  return apply_tree(tree(source), check);
}

std::optional<RpcError> Datastores::commit(const Apply& apply, const Guard& guard) {
  if (guard)
    if (auto e = guard(running_.get(), candidate_.get())) return e;
  if (auto e = apply_tree(candidate_.get(), apply)) return e;
  running_ = dup(candidate_.get());
  changed_ = false;
  return std::nullopt;
}

std::optional<RpcError> Datastores::commit(const Apply& apply, const Guard& guard, std::uint32_t session,
                                           const Confirm& confirm, Clock::time_point now) {
  if (pending_) {
    // Only the session that started it, or whoever names its persist id, may
    // go on with it (§8.4.1).
    const bool allowed = pending_->persist ? confirm.persist_id == pending_->persist
                                           : session == pending_->session && !confirm.persist_id;
    if (!allowed)
      return RpcError{"in-use", "", "a confirmed commit of another session (or another persist id) is pending"};
  } else if (confirm.persist_id) {
    return RpcError{"invalid-value", "persist-id", "no confirmed commit with this persist id is pending"};
  }
  Tree before = dup(running_.get());
  if (auto e = commit(apply, guard)) return e;
  if (!confirm.confirmed) {
    pending_.reset();  // the confirming commit
    return std::nullopt;
  }
  if (!pending_) pending_ = Pending{std::move(before), {}, session, std::nullopt};
  pending_->deadline = now + confirm.timeout;
  pending_->session = session;
  pending_->persist = confirm.persist;
  return std::nullopt;
}

std::optional<RpcError> Datastores::rollback(const Apply& apply) {
  Pending p = std::move(*pending_);
  pending_.reset();
  if (auto e = apply_tree(p.backup.get(), apply)) return e;
  running_ = std::move(p.backup);
  candidate_ = dup(running_.get());
  changed_ = false;
  return std::nullopt;
}

std::optional<RpcError> Datastores::cancel_commit(const Apply& apply, std::uint32_t session,
                                                  const std::optional<std::string>& persist_id) {
  if (!pending_) return RpcError{"operation-failed", "", "no confirmed commit is pending"};
  if (pending_->persist ? persist_id != pending_->persist : persist_id.has_value() || session != pending_->session)
    return RpcError{"invalid-value", "persist-id", "not this confirmed commit's session or persist id"};
  return rollback(apply);
}

std::optional<std::optional<RpcError>> Datastores::expire(const Apply& apply, Clock::time_point now) {
  if (!pending_ || now < pending_->deadline) return std::nullopt;
  return rollback(apply);
}

void Datastores::discard() {
  candidate_ = dup(running_.get());
  changed_ = false;
}

std::optional<RpcError> Datastores::lock(Store s, std::uint32_t session) {
  const std::uint32_t holder = locks_[index(s)];
  if (holder != 0) {
    RpcError e{"lock-denied", "",
               std::string("the ") + store_name(s) + " datastore is locked by session " + std::to_string(holder)};
    e.session_id = holder;
    return e;
  }
  // RFC 6241 §8.3.5.1: not while the candidate holds changes nobody committed.
  if (s == Store::kCandidate && changed_)
    return RpcError{"lock-denied", "", "the candidate datastore has uncommitted changes (discard-changes first)"};
  locks_[index(s)] = session;
  return std::nullopt;
}

std::optional<RpcError> Datastores::unlock(Store s, std::uint32_t session) {
  if (locks_[index(s)] != session)
    return RpcError{"operation-failed", "",
                    std::string("the ") + store_name(s) + " datastore is not locked by this session"};
  locks_[index(s)] = 0;
  return std::nullopt;
}

std::optional<RpcError> Datastores::check_lock(Store s, std::uint32_t session) const {
  const std::uint32_t holder = locks_[index(s)];
  if (holder == 0 || holder == session) return std::nullopt;
  RpcError e{"in-use", "",
             std::string("the ") + store_name(s) + " datastore is locked by session " + std::to_string(holder)};
  e.session_id = holder;
  return e;
}

void Datastores::session_ended(std::uint32_t session, const Apply& apply) {
  if (pending_ && !pending_->persist && pending_->session == session && apply) rollback(apply);
  if (locks_[index(Store::kCandidate)] == session) {
    locks_[index(Store::kCandidate)] = 0;
    discard();  // RFC 6241 §7.5: a candidate lock's changes go with its session
  }
  if (locks_[index(Store::kRunning)] == session) locks_[index(Store::kRunning)] = 0;
}

}  // namespace cats::netconf
