#include "catsd/netconf/server.hpp"

#include <libssh/libssh.h>
#include <nc_server.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include "catsd/netconf/nacm.hpp"
#include "catsd/netconf/subtree.hpp"
#include "yang/loader/libyang.hpp"

namespace cats::netconf {

namespace {

constexpr const char* kEndpoint = "main";

std::filesystem::path resolve(const std::filesystem::path& dir, const std::string& p) {
  const std::filesystem::path path{p};
  return path.is_absolute() ? path : dir / path;
}

// An ECDSA P-256 host key at `path`, created (mode 0600) when missing.
std::optional<std::string> ensure_host_key(const std::filesystem::path& path) {
  if (std::filesystem::exists(path)) return std::nullopt;
  ssh_key key = nullptr;
  if (ssh_pki_generate(SSH_KEYTYPE_ECDSA_P256, 256, &key) != SSH_OK) return "cannot generate an SSH host key";
  const mode_t old = ::umask(077);
  const int rc = ssh_pki_export_privkey_file(key, nullptr, nullptr, nullptr, path.c_str());
  ::umask(old);
  ssh_key_free(key);
  if (rc != SSH_OK) return "cannot write the SSH host key " + path.string();
  spdlog::info("NETCONF: created the SSH host key {}", path.string());
  return std::nullopt;
}

// A child by name (lyd_find_path logs what it does not find).
lyd_node* child(const lyd_node* parent, std::string_view name) {
  if (parent == nullptr) return nullptr;
  for (lyd_node* c = lyd_child(parent); c != nullptr; c = c->next)
    if (name == LYD_NAME(c)) return c;
  return nullptr;
}

// Whether libyang kept any node of the tree as opaque (it did not fit the model).
bool has_opaque(const lyd_node* tree) {
  for (const lyd_node* top = tree; top != nullptr; top = top->next) {
    const lyd_node* n = nullptr;
    LYD_TREE_DFS_BEGIN(top, n) {
      if (n->schema == nullptr) return true;
      LYD_TREE_DFS_END(top, n);
    }
  }
  return false;
}

// libyang's last error as an rpc-error, its location made a data path.
RpcError libyang_error(ly_ctx* ctx, const char* fallback) {
  auto errors = loader::ly::take_errors(ctx);
  if (errors.empty()) return RpcError{"invalid-value", "", fallback};
  return RpcError{"invalid-value", errors.back().path, errors.back().text};
}

std::string module_of(const lyd_node* n) {
  return n->schema != nullptr ? n->schema->module->name : "";
}

std::string node_path(const lyd_node* n) {
  const loader::ly::Text p{lyd_path(n, LYD_PATH_STD, nullptr, 0)};
  return p ? std::string(p.get()) : std::string();
}

// RFC 8341 §3.4.5: every node a change creates, deletes or replaces needs
// that access.
Guard write_guard(const Nacm& nacm, const std::string& user) {
  return [&nacm, user](const lyd_node* before, const lyd_node* after) -> std::optional<RpcError> {
    if (!nacm.configured()) return std::nullopt;
    lyd_node* raw = nullptr;
    if (lyd_diff_siblings(before, after, 0, &raw) != LY_SUCCESS) return RpcError{"operation-failed", "", "no diff"};
    const Tree diff{raw};
    for (const lyd_node* top = diff.get(); top != nullptr; top = top->next) {
      const lyd_node* n = nullptr;
      LYD_TREE_DFS_BEGIN(top, n) {
        const lyd_meta* m = lyd_find_meta(n->meta, nullptr, "yang:operation");
        const std::string op = m != nullptr ? lyd_get_meta_value(m) : "none";
        const Access access = op == "create" ? kCreate : op == "delete" ? kDelete : kUpdate;
        if (op != "none" && !nacm.may_access(user, module_of(n), node_path(n), access)) {
          std::string why = "access denied: user " + user;
          why.append(" may not ").append(op).append(" this");
          return RpcError{"access-denied", node_path(n), std::move(why)};
        }
        LYD_TREE_DFS_END(top, n);
      }
    }
    return std::nullopt;
  };
}

// What `user` may not read goes from a reply (RFC 8341 §3.4.5).
void prune(lyd_node** tree, const Nacm& nacm, const std::string& user) {
  if (!nacm.configured()) return;
  std::vector<lyd_node*> gone;
  for (lyd_node* top = *tree; top != nullptr; top = top->next) {
    lyd_node* n = nullptr;
    LYD_TREE_DFS_BEGIN(top, n) {
      if (!nacm.may_access(user, module_of(n), node_path(n), kRead)) {
        gone.push_back(n);
        LYD_TREE_DFS_continue = 1;  // its subtree goes with it
      }
      LYD_TREE_DFS_END(top, n);
    }
  }
  for (lyd_node* n : gone) {
    if (n == *tree) *tree = n->next;
    lyd_free_tree(n);
  }
}

NC_ERR error_tag(const std::string& tag) {
  static const std::map<std::string, NC_ERR> kTags = {
      {"in-use", NC_ERR_IN_USE},
      {"invalid-value", NC_ERR_INVALID_VALUE},
      {"access-denied", NC_ERR_ACCESS_DENIED},
      {"operation-not-supported", NC_ERR_OP_NOT_SUPPORTED},
      {"operation-failed", NC_ERR_OP_FAILED},
      {"lock-denied", NC_ERR_LOCK_DENIED},
      {"data-exists", NC_ERR_DATA_EXISTS},
      {"data-missing", NC_ERR_DATA_MISSING},
      {"missing-element", NC_ERR_MISSING_ELEM},
      {"unknown-element", NC_ERR_UNKNOWN_ELEM},
  };
  const auto it = kTags.find(tag);
  return it != kTags.end() ? it->second : NC_ERR_OP_FAILED;
}

}  // namespace

struct Server::Impl {
  config::Netconf cfg;
  Paths paths;
  Hooks hooks;
  ly_ctx* ctx = nullptr;
  const lys_module* ncmod = nullptr;
  std::unique_ptr<Datastores> ds;
  std::string host_key;
  nc_pollsession* ps = nullptr;
  std::map<std::uint32_t, nc_session*> sessions;  // the server thread's
  std::thread thread;
  std::atomic<bool> stop{false};
  bool initialised = false;
  std::mutex mu;  // what other threads hand over
  std::optional<std::string> pending_running;
  std::vector<config::NetconfUser> users;
  std::deque<std::string> notifications;  // queued by notify()
  std::uint64_t notifications_dropped = 0;
  std::set<std::uint32_t> subscribers;  // the server thread's

  static constexpr std::size_t kMaxQueued = 1024;

  ~Impl();
  std::optional<std::string> init(const std::string& running);
  void run();
  void take_pending();
  void send_notifications();
  nc_server_reply* handle(lyd_node* rpc, nc_session* s);
  nc_server_reply* get_schema(lyd_node* rpc);
  nc_server_reply* error(const RpcError& e) const;
  nc_server_reply* data(lyd_node* rpc, lyd_node* tree) const;
  std::optional<Store> store_of(lyd_node* rpc, const char* which, std::string* other = nullptr) const;
  std::variant<Tree, RpcError> inline_config(lyd_node* parent, bool edit) const;
  std::variant<Tree, RpcError> filtered(const lyd_node* tree, lyd_node* rpc) const;
  // What a subtree filter (its anyxml or anydata node) or an xpath selects of `tree`; all without either.
  std::variant<Tree, RpcError> select(const lyd_node* tree, const lyd_node* subtree, const char* xpath) const;
  nc_server_reply* get_data(lyd_node* rpc, const Nacm& nacm, const std::string& user) const;
  bool password_ok(const std::string& user, const std::string& password);
  nc_server_reply* model_rpc(lyd_node* rpc, const std::string& op) const;
  // Running with the daemon's state merged in (for <get>); null on failure.
  Tree running_with_state() const;
};

namespace {

Server::Impl* g_impl = nullptr;  // libnetconf2's callbacks carry no user data

nc_server_reply* rpc_clb(lyd_node* rpc, nc_session* s) {
  return g_impl->handle(rpc, s);
}

nc_server_reply* schema_clb(lyd_node* rpc, nc_session* /*s*/) {
  return g_impl->get_schema(rpc);
}

void print_clb(const nc_session* s, NC_VERB_LEVEL level, const char* msg) {
  const std::uint32_t id = s != nullptr ? nc_session_get_id(s) : 0;
  switch (level) {
    case NC_VERB_ERROR: spdlog::warn("NETCONF {}: {}", id, msg); break;
    case NC_VERB_WARNING: spdlog::info("NETCONF {}: {}", id, msg); break;
    default: spdlog::debug("NETCONF {}: {}", id, msg); break;
  }
}

int hostkey_clb(const char* /*name*/, void* user, char** path, char** data, NC_SSH_KEY_TYPE* type) {
  *path = strdup(static_cast<Server::Impl*>(user)->host_key.c_str());
  *data = nullptr;
  *type = NC_SSH_KEY_UNKNOWN;
  return 0;
}

int password_clb(const nc_session* s, const char* password, void* user) {
  const char* name = nc_session_get_username(s);
  const bool ok =
      name != nullptr && password != nullptr && static_cast<Server::Impl*>(user)->password_ok(name, password);
  if (!ok) spdlog::warn("NETCONF: password refused for user {}", name != nullptr ? name : "?");
  return ok ? 0 : 1;
}

}  // namespace

bool Server::Impl::password_ok(const std::string& user, const std::string& password) {
  const std::lock_guard lock(mu);
  for (const auto& u : users)
    if (u.name == user && u.password && *u.password == password) return true;
  return false;
}

Server::Impl::~Impl() {
  stop = true;
  if (thread.joinable()) thread.join();
  if (ps != nullptr) {
    nc_ps_clear(ps, 1, nullptr);
    nc_ps_free(ps);
  }
  if (initialised) nc_server_destroy();
  ds.reset();
  if (ctx != nullptr) ly_ctx_destroy(ctx);
  g_impl = nullptr;
}

std::optional<std::string> Server::Impl::init(const std::string& running) {
  if (ly_ctx_new(paths.yang.c_str(), LY_CTX_DISABLE_SEARCHDIR_CWD, &ctx) != LY_SUCCESS)
    return "cannot create a libyang context";
  ly_ctx_set_searchdir(ctx, paths.ietf.c_str());
  // RFC 5277's module (Debian ships it among yuma's derived modules).
  for (const char* sub : {"ietf-derived", "netconfcentral"})
    ly_ctx_set_searchdir(ctx, (paths.ietf.parent_path() / sub).c_str());
  const char* features[] = {
      "writable-running", "candidate", "confirmed-commit", "rollback-on-error", "validate", "xpath", nullptr};
  ncmod = ly_ctx_load_module(ctx, "ietf-netconf", nullptr, features);
  if (ncmod == nullptr) return "cannot load ietf-netconf from " + paths.ietf.string() + " (package libyuma-base)";
  if (ly_ctx_load_module(ctx, "ietf-netconf-monitoring", nullptr, nullptr) == nullptr)
    return "cannot load ietf-netconf-monitoring from " + paths.ietf.string();
  if (ly_ctx_load_module(ctx, "notifications", nullptr, nullptr) == nullptr ||
      ly_ctx_load_module(ctx, "nc-notifications", nullptr, nullptr) == nullptr)
    return "cannot load nc-notifications (RFC 5277) from " + paths.ietf.parent_path().string() + "/ietf-derived";
  // NMDA (RFC 8526): get-data on running, candidate, intended, operational.
  if (ly_ctx_load_module(ctx, "ietf-netconf-nmda", nullptr, nullptr) == nullptr)
    return "cannot load ietf-netconf-nmda from " + paths.ietf.string();
  if (ly_ctx_load_module(ctx, "ietf-netconf-acm", nullptr, nullptr) == nullptr)
    return "cannot load ietf-netconf-acm from " + paths.ietf.string();
  if (ly_ctx_load_module(ctx, "cats-bgp", nullptr, nullptr) == nullptr)
    return "cannot load cats-bgp from " + paths.yang.string();
  ds = std::make_unique<Datastores>(ctx);
  if (auto err = ds->load_running(running)) return "the running configuration: " + err->message;
  if (!nacm_from(ds->tree(Store::kRunning)).configured)
    spdlog::warn("NETCONF: no ietf-netconf-acm:nacm configuration: every user may read and change everything");

  // Our own get-schema before nc_server_init, which would install the
  // default one (broken with Debian's libyang: it frees a dictionary string).
  if (auto* node = const_cast<lysc_node*>(lys_find_path(ctx, nullptr, "/ietf-netconf-monitoring:get-schema", 0)))
    node->priv = reinterpret_cast<void*>(&schema_clb);
  nc_set_global_rpc_clb(&rpc_clb);
  nc_set_print_clb_session(&print_clb);
  nc_verbosity(NC_VERB_WARNING);
  if (nc_server_init(ctx) != 0) return "libnetconf2 did not initialise";
  initialised = true;
  // RFC 5277: create-subscription, and RPCs while subscribed.
  nc_server_set_capability("urn:ietf:params:netconf:capability:notification:1.0");
  nc_server_set_capability("urn:ietf:params:netconf:capability:interleave:1.0");
  nc_server_set_hello_timeout(30);
  nc_server_set_idle_timeout(3600);

  host_key = resolve(paths.config_dir, cfg.host_key).string();
  if (auto err = ensure_host_key(host_key)) return err;
  nc_server_ssh_set_hostkey_clb(&hostkey_clb, this, nullptr);
  nc_server_ssh_set_passwd_auth_clb(&password_clb, this, nullptr);
  for (const auto& u : users)
    if (u.authorized_key) {
      const auto key = resolve(paths.config_dir, *u.authorized_key).string();
      if (nc_server_ssh_add_authkey_path(key.c_str(), u.name.c_str()) != 0)
        return "user " + u.name + ": cannot read the authorized key " + key;
    }
  if (nc_server_add_endpt(kEndpoint, NC_TI_LIBSSH) != 0 ||
      nc_server_endpt_set_address(kEndpoint, cfg.address.c_str()) != 0 ||
      nc_server_endpt_set_port(kEndpoint, cfg.port) != 0)
    return "cannot listen on [" + cfg.address + "]:" + std::to_string(cfg.port);
  nc_server_ssh_endpt_add_hostkey(kEndpoint, "host-key", -1);
  nc_server_ssh_endpt_set_auth_methods(kEndpoint, NC_SSH_AUTH_PASSWORD | NC_SSH_AUTH_PUBLICKEY);
  nc_server_ssh_endpt_set_auth_attempts(kEndpoint, 3);
  nc_server_ssh_endpt_set_auth_timeout(kEndpoint, 30);
  ps = nc_ps_new();
  return std::nullopt;
}

void Server::Impl::take_pending() {
  std::optional<std::string> text;
  {
    const std::lock_guard lock(mu);
    text.swap(pending_running);
  }
  if (text)
    if (auto err = ds->load_running(*text)) spdlog::error("NETCONF: the reloaded configuration: {}", err->message);
}

void Server::Impl::send_notifications() {
  std::deque<std::string> queued;
  std::uint64_t dropped = 0;
  {
    const std::lock_guard lock(mu);
    queued.swap(notifications);
    std::swap(dropped, notifications_dropped);
  }
  if (dropped > 0) spdlog::warn("NETCONF: {} notifications dropped (queue full)", dropped);
  if (subscribers.empty()) return;
  for (const auto& json : queued) {
    ly_in* in = nullptr;
    if (ly_in_new_memory(json.c_str(), &in) != LY_SUCCESS) continue;
    lyd_node* tree = nullptr;
    lyd_node* op = nullptr;
    const LY_ERR rc = lyd_parse_op(ctx, nullptr, in, LYD_JSON, LYD_TYPE_NOTIF_YANG, &tree, &op);
    ly_in_free(in, 0);
    const Tree owned{tree};
    if (rc != LY_SUCCESS) {
      spdlog::warn("NETCONF: a notification does not fit the model: {}", libyang_error(ctx, "?").message);
      continue;
    }
    std::array<char, 32> when{};
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(when.data(), when.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
    nc_server_notif* notif = nc_server_notif_new(tree, when.data(), NC_PARAMTYPE_CONST);
    for (const std::uint32_t id : subscribers) {
      const auto it = sessions.find(id);
      // A client that does not read is skipped, not waited for.
      if (it != sessions.end() && nc_server_notif_send(it->second, notif, 100) != NC_MSG_NOTIF)
        spdlog::warn("NETCONF: session {}: a notification could not be sent", id);
    }
    nc_server_notif_free(notif);
  }
}

void Server::Impl::run() {
  while (!stop) {
    take_pending();
    send_notifications();
    if (auto rolled = ds->expire(hooks.commit, Datastores::Clock::now())) {
      if (*rolled)
        spdlog::error("NETCONF: a confirmed commit timed out, and its rollback was refused: {}", (*rolled)->message);
      else
        spdlog::warn("NETCONF: a confirmed commit was not confirmed in time: running rolled back");
    }
    nc_session* s = nullptr;
    const NC_MSG_TYPE m = nc_accept(sessions.empty() ? 200 : 0, &s);
    if (m == NC_MSG_HELLO && s != nullptr) {
      nc_ps_add_session(ps, s);
      sessions[nc_session_get_id(s)] = s;
      spdlog::info("NETCONF: session {} for {}", nc_session_get_id(s), nc_session_get_username(s));
    }
    if (sessions.empty()) continue;
    nc_session* polled = nullptr;
    const int r = nc_ps_poll(ps, 100, &polled);
    if ((r & (NC_PSPOLL_SESSION_TERM | NC_PSPOLL_SESSION_ERROR)) != 0 && polled != nullptr) {
      const std::uint32_t id = nc_session_get_id(polled);
      spdlog::info("NETCONF: session {} ended", id);
      const bool confirming = ds->confirming();
      ds->session_ended(id, hooks.commit);
      subscribers.erase(id);
      if (confirming && !ds->confirming())
        spdlog::warn("NETCONF: session {} ended before confirming its commit: running rolled back", id);
      sessions.erase(id);
      nc_ps_del_session(ps, polled);
      nc_session_free(polled, nullptr);
    }
  }
}

nc_server_reply* Server::Impl::error(const RpcError& e) const {
  const NC_ERR tag = error_tag(e.tag);
  lyd_node* err = nullptr;
  switch (tag) {
    case NC_ERR_LOCK_DENIED: err = nc_err(ctx, tag, e.session_id); break;
    case NC_ERR_DATA_EXISTS:
    case NC_ERR_DATA_MISSING: err = nc_err(ctx, tag); break;
    case NC_ERR_MISSING_ELEM:
    case NC_ERR_UNKNOWN_ELEM: err = nc_err(ctx, tag, NC_ERR_TYPE_APP, e.path.c_str()); break;
    case NC_ERR_IN_USE:
    case NC_ERR_OP_NOT_SUPPORTED: err = nc_err(ctx, tag, NC_ERR_TYPE_PROT); break;
    default: err = nc_err(ctx, tag, NC_ERR_TYPE_APP); break;
  }
  if (!e.message.empty()) nc_err_set_msg(err, e.message.c_str(), "en");
  if (!e.path.empty()) nc_err_set_path(err, e.path.c_str());
  if (tag == NC_ERR_IN_USE && e.session_id != 0) nc_err_set_sid(err, e.session_id);
  return nc_server_reply_err(err);
}

nc_server_reply* Server::Impl::data(lyd_node* rpc, lyd_node* tree) const {
  lyd_node* out = nullptr;
  if (lyd_dup_single(rpc, nullptr, 0, &out) != LY_SUCCESS ||
      lyd_new_any(out, nullptr, "data", tree, 1, LYD_ANYDATA_DATATREE, 1, nullptr) != LY_SUCCESS) {
    lyd_free_all(tree);
    lyd_free_all(out);
    return error({"operation-failed", "", "cannot build the reply"});
  }
  return nc_server_reply_data(out, NC_WD_EXPLICIT, NC_PARAMTYPE_FREE);
}

std::optional<Store> Server::Impl::store_of(lyd_node* rpc, const char* which, std::string* other) const {
  lyd_node* p = child(rpc, which);
  if (p == nullptr || lyd_child(p) == nullptr) return std::nullopt;
  const std::string name = LYD_NAME(lyd_child(p));
  if (name == "running") return Store::kRunning;
  if (name == "candidate") return Store::kCandidate;
  if (other != nullptr) *other = name;
  return std::nullopt;
}

std::variant<Tree, RpcError> Server::Impl::inline_config(lyd_node* parent, bool edit) const {
  lyd_node* any = child(parent, "config");
  if (any == nullptr) return RpcError{"missing-element", "config", "no <config>"};
  // libyang parsed the content already: printed again, an empty container
  // (<neighbors nc:operation="delete"/>) would vanish, so it is used as it is.
  if (const auto* a = reinterpret_cast<const lyd_node_any*>(any);
      edit && a->value_type == LYD_ANYDATA_DATATREE && !has_opaque(a->value.tree)) {
    lyd_node* dup = nullptr;
    if (a->value.tree != nullptr && lyd_dup_siblings(a->value.tree, nullptr, LYD_DUP_RECURSIVE, &dup) != LY_SUCCESS)
      return RpcError{"operation-failed", "config", "cannot copy the edit"};
    return Tree{dup};
  }
  char* raw = nullptr;
  lyd_any_value_str(any, &raw);
  const loader::ly::Text text{raw};
  if (!text || *text.get() == '\0') return Tree{};
  if (edit) return parse_edit(ctx, text.get());
  lyd_node* tree = nullptr;
  if (lyd_parse_data_mem(ctx, text.get(), LYD_XML, LYD_PARSE_STRICT | LYD_PARSE_NO_STATE, LYD_VALIDATE_NO_STATE,
                         &tree) != LY_SUCCESS) {
    lyd_free_all(tree);
    return libyang_error(ctx, "not valid data");
  }
  return Tree{tree};
}

std::variant<Tree, RpcError> Server::Impl::filtered(const lyd_node* tree, lyd_node* rpc) const {
  lyd_node* filter = child(rpc, "filter");
  if (filter == nullptr) return select(tree, nullptr, nullptr);
  const lyd_meta* type = lyd_find_meta(filter->meta, ncmod, "type");
  if (type == nullptr || std::strcmp(lyd_get_meta_value(type), "subtree") == 0) return select(tree, filter, nullptr);
  if (std::strcmp(lyd_get_meta_value(type), "xpath") != 0)
    return RpcError{"invalid-value", "filter", "a filter is of type subtree or xpath"};
  const lyd_meta* xpath = lyd_find_meta(filter->meta, ncmod, "select");
  if (xpath == nullptr) return RpcError{"missing-attribute", "", "an xpath filter needs select"};
  return select(tree, nullptr, lyd_get_meta_value(xpath));
}

std::variant<Tree, RpcError> Server::Impl::select(const lyd_node* tree, const lyd_node* subtree,
                                                  const char* xpath) const {
  lyd_node* all = nullptr;
  if (tree != nullptr) lyd_dup_siblings(tree, nullptr, LYD_DUP_RECURSIVE, &all);
  Tree whole{all};
  if (subtree != nullptr) {
    if (!whole) return Tree{};
    // libyang keeps the content as a tree (empty non-presence containers in
    // it would not even print): used as it is; text only otherwise.
    const auto* any = reinterpret_cast<const lyd_node_any*>(subtree);
    if (any->value_type == LYD_ANYDATA_DATATREE) return subtree_filter(whole.get(), any->value.tree);
    char* raw = nullptr;
    lyd_any_value_str(subtree, &raw);
    const loader::ly::Text text{raw};
    if (!text || *text.get() == '\0') return Tree{};  // an empty filter selects nothing
    auto parsed = parse_filter(ctx, text.get());
    if (auto* e = std::get_if<RpcError>(&parsed)) return *e;
    return subtree_filter(whole.get(), std::get<Tree>(parsed).get());
  }
  if (xpath == nullptr || !whole) return whole;
  ly_set* found = nullptr;
  if (lyd_find_xpath(whole.get(), xpath, &found) != LY_SUCCESS) return libyang_error(ctx, "invalid xpath");
  lyd_node* out = nullptr;
  for (std::uint32_t i = 0; i < found->count; ++i) {
    lyd_node* dup = nullptr;
    if (lyd_dup_single(found->dnodes[i], nullptr, LYD_DUP_RECURSIVE | LYD_DUP_WITH_PARENTS, &dup) != LY_SUCCESS)
      continue;
    while (dup->parent != nullptr) dup = lyd_parent(dup);
    if (out == nullptr) {
      out = dup;
    } else {
      lyd_merge_siblings(&out, dup, LYD_MERGE_DESTRUCT);
    }
  }
  ly_set_free(found, nullptr);
  return Tree{out};
}

namespace {

// config-filter of get-data: only config true nodes (keep), or only what is
// config false with the list keys and containers on the way to it.
void config_filter(lyd_node** tree, bool config) {
  std::vector<lyd_node*> gone;
  for (lyd_node* top = *tree; top != nullptr; top = top->next) {
    lyd_node* n = nullptr;
    LYD_TREE_DFS_BEGIN(top, n) {
      const bool state = n->schema != nullptr && (n->schema->flags & LYS_CONFIG_R) != 0;
      const bool leaf = n->schema != nullptr && (n->schema->nodetype & LYD_NODE_TERM) != 0;
      if (config && state) {
        gone.push_back(n);
        LYD_TREE_DFS_continue = 1;
      } else if (!config && !state && leaf && (n->schema->flags & LYS_KEY) == 0) {
        gone.push_back(n);
      }
      LYD_TREE_DFS_END(top, n);
    }
  }
  for (lyd_node* n : gone) {
    if (n == *tree) *tree = n->next;
    lyd_free_tree(n);
  }
}

}  // namespace

nc_server_reply* Server::Impl::get_data(lyd_node* rpc, const Nacm& nacm, const std::string& user) const {
  const lyd_node* ds_leaf = child(rpc, "datastore");
  const std::string datastore = ds_leaf != nullptr ? lyd_get_value(ds_leaf) : "";
  Tree with_state;
  const lyd_node* source = nullptr;
  if (datastore == "ietf-datastores:running" || datastore == "ietf-datastores:intended") {
    source = ds->tree(Store::kRunning);
  } else if (datastore == "ietf-datastores:candidate") {
    source = ds->tree(Store::kCandidate);
  } else if (datastore == "ietf-datastores:operational") {
    with_state = running_with_state();
    source = with_state.get();
  } else {
    return error({"invalid-value", "datastore",
                  "no datastore " + datastore +
                      " (running, candidate, intended, "
                      "operational)"});
  }
  const lyd_node* xpath = child(rpc, "xpath-filter");
  auto f = select(source, child(rpc, "subtree-filter"), xpath != nullptr ? lyd_get_value(xpath) : nullptr);
  if (auto* e = std::get_if<RpcError>(&f)) return error(*e);
  lyd_node* tree = std::get<Tree>(f).release();
  if (const lyd_node* cf = child(rpc, "config-filter"))
    config_filter(&tree, std::strcmp(lyd_get_value(cf), "true") == 0);
  prune(&tree, nacm, user);
  return data(rpc, tree);
}

nc_server_reply* Server::Impl::model_rpc(lyd_node* rpc, const std::string& op) const {
  if (!hooks.rpc) return error({"operation-not-supported", "", op + " is not supported"});
  Leaves in;
  const lyd_node* n = nullptr;
  LYD_TREE_DFS_BEGIN(rpc, n) {
    if (n != rpc && n->schema != nullptr && (n->schema->nodetype & LYD_NODE_TERM) != 0) {
      std::string rel = LYD_NAME(n);
      for (const lyd_node* p = lyd_parent(n); p != nullptr && p != rpc; p = lyd_parent(p))
        rel.insert(0, std::string(LYD_NAME(p)).append("/"));
      in.emplace_back(std::move(rel), lyd_get_value(n));
    }
    LYD_TREE_DFS_END(rpc, n);
  }
  auto r = hooks.rpc(op, in);
  if (auto* e = std::get_if<RpcError>(&r)) return error(*e);
  lyd_node* out = nullptr;
  if (lyd_dup_single(rpc, nullptr, 0, &out) != LY_SUCCESS) return error({"operation-failed", "", "no reply"});
  for (const auto& [name, value] : std::get<Leaves>(r))
    if (lyd_new_path(out, nullptr, name.c_str(), value.c_str(), LYD_NEW_PATH_OUTPUT, nullptr) != LY_SUCCESS) {
      lyd_free_all(out);
      return error(libyang_error(ctx, "cannot build the reply"));
    }
  return nc_server_reply_data(out, NC_WD_EXPLICIT, NC_PARAMTYPE_FREE);
}

Tree Server::Impl::running_with_state() const {
  lyd_node* all = nullptr;
  if (ds->tree(Store::kRunning) != nullptr &&
      lyd_dup_siblings(ds->tree(Store::kRunning), nullptr, LYD_DUP_RECURSIVE, &all) != LY_SUCCESS)
    return {};
  Tree out{all};
  const std::string json = hooks.state ? hooks.state() : std::string();
  if (json.empty()) return out;
  lyd_node* state = nullptr;
  if (lyd_parse_data_mem(ctx, json.c_str(), LYD_JSON, LYD_PARSE_ONLY | LYD_PARSE_STRICT, 0, &state) != LY_SUCCESS) {
    lyd_free_all(state);
    spdlog::warn("NETCONF: the state does not fit the model: {}", libyang_error(ctx, "?").message);
    return out;
  }
  lyd_node* merged = out.release();
  if (merged == nullptr) {
    merged = state;
  } else if (lyd_merge_siblings(&merged, state, LYD_MERGE_DESTRUCT) != LY_SUCCESS) {
    spdlog::warn("NETCONF: cannot merge the state");  // the merge took `state` either way
  }
  return Tree{merged};
}

nc_server_reply* Server::Impl::get_schema(lyd_node* rpc) {
  const lyd_node* id = child(rpc, "identifier");
  const lyd_node* version = child(rpc, "version");
  if (id == nullptr) return error({"missing-element", "identifier", "no identifier"});
  const lys_module* mod = version != nullptr ? ly_ctx_get_module(ctx, lyd_get_value(id), lyd_get_value(version))
                                             : ly_ctx_get_module_latest(ctx, lyd_get_value(id));
  if (mod == nullptr) return error({"invalid-value", "", std::string("no module ") + lyd_get_value(id)});
  char* text = nullptr;
  lys_print_mem(&text, mod, LYS_OUT_YANG, 0);
  lyd_node* out = nullptr;
  lyd_dup_single(rpc, nullptr, 0, &out);
  // use_value: libyang takes the malloc'd text.
  lyd_new_any(out, nullptr, "data", text, 1, LYD_ANYDATA_STRING, 1, nullptr);
  return nc_server_reply_data(out, NC_WD_EXPLICIT, NC_PARAMTYPE_FREE);
}

nc_server_reply* Server::Impl::handle(lyd_node* rpc, nc_session* s) {
  const std::string op = LYD_NAME(rpc);
  const std::uint32_t sid = nc_session_get_id(s);
  const std::string user = nc_session_get_username(s) != nullptr ? nc_session_get_username(s) : "";
  spdlog::debug("NETCONF: session {}: {}", sid, op);
  // Access control from the running configuration, as it is now.
  const Nacm nacm{nacm_from(ds->tree(Store::kRunning))};
  if (!nacm.may_exec(user, rpc->schema->module->name, op)) {
    spdlog::warn("NETCONF: session {}: {} denied to user {}", sid, op, user);
    return error({"access-denied", "", "access denied: user " + user + " may not use " + op});
  }
  const Guard guard = write_guard(nacm, user);
  if (std::string_view{rpc->schema->module->name} == "cats-bgp") return model_rpc(rpc, op);
  if (op == "get-data") return get_data(rpc, nacm, user);
  if (op == "create-subscription") {
    if (const lyd_node* stream = child(rpc, "stream");
        stream != nullptr && std::strcmp(lyd_get_value(stream), "NETCONF") != 0)
      return error({"invalid-value", "stream", "the only stream is NETCONF"});
    if (child(rpc, "startTime") != nullptr) return error({"operation-not-supported", "", "no replay (startTime)"});
    if (child(rpc, "filter") != nullptr) return error({"operation-not-supported", "", "no notification filters"});
    if (subscribers.count(sid) != 0) return error({"in-use", "", "this session is subscribed already"});
    subscribers.insert(sid);
    nc_session_inc_notif_status(s);
    spdlog::info("NETCONF: session {} subscribed to notifications", sid);
    return nc_server_reply_ok();
  }
  const auto result = [&](const std::optional<RpcError>& e) { return e ? error(*e) : nc_server_reply_ok(); };
  if (op == "get" || op == "get-config") {
    Store src = Store::kRunning;
    if (op == "get-config") {
      auto st = store_of(rpc, "source");
      if (!st) return error({"operation-not-supported", "", "get-config: source running or candidate"});
      src = *st;
    }
    Tree with_state;
    if (op == "get") {
      with_state = running_with_state();
      if (!with_state) return error({"operation-failed", "", "cannot read the state"});
    }
    auto f = filtered(op == "get" ? with_state.get() : ds->tree(src), rpc);
    if (auto* e = std::get_if<RpcError>(&f)) return error(*e);
    lyd_node* tree = std::get<Tree>(f).release();
    prune(&tree, nacm, user);
    return data(rpc, tree);
  }
  if (op == "edit-config") {
    const auto target = store_of(rpc, "target");
    if (!target) return error({"operation-not-supported", "", "edit-config: target running or candidate"});
    if (auto e = ds->check_lock(*target, sid)) return error(*e);
    EditOp def = EditOp::kMerge;
    if (const lyd_node* leaf = child(rpc, "default-operation")) def = edit_op(lyd_get_value(leaf)).value_or(def);
    const lyd_node* test = child(rpc, "test-option");
    const bool test_only = test != nullptr && std::strcmp(lyd_get_value(test), "test-only") == 0;
    if (const lyd_node* leaf = child(rpc, "error-option");
        leaf != nullptr && std::strcmp(lyd_get_value(leaf), "continue-on-error") == 0)
      return error({"operation-not-supported", "", "continue-on-error: an edit applies whole or not at all"});
    auto edit = inline_config(rpc, true);
    if (auto* e = std::get_if<RpcError>(&edit)) return error(*e);
    return result(ds->edit(*target, std::get<Tree>(edit).get(), def, test_only, hooks.commit, guard));
  }
  if (op == "copy-config") {
    const auto target = store_of(rpc, "target");
    if (!target) return error({"operation-not-supported", "", "copy-config: target running or candidate"});
    if (auto e = ds->check_lock(*target, sid)) return error(*e);
    std::string other;
    const auto source = store_of(rpc, "source", &other);
    Tree config;
    if (source) {
      lyd_node* dup = nullptr;
      if (ds->tree(*source) != nullptr) lyd_dup_siblings(ds->tree(*source), nullptr, LYD_DUP_RECURSIVE, &dup);
      config.reset(dup);
    } else if (other == "config") {
      auto c = inline_config(child(rpc, "source"), false);
      if (auto* e = std::get_if<RpcError>(&c)) return error(*e);
      config = std::move(std::get<Tree>(c));
    } else {
      return error({"operation-not-supported", "", "copy-config: source running, candidate or config"});
    }
    return result(ds->replace(*target, std::move(config), hooks.commit, guard));
  }
  if (op == "delete-config")
    return error({"operation-not-supported", "", "delete-config: running and candidate cannot be deleted"});
  if (op == "lock" || op == "unlock") {
    const auto target = store_of(rpc, "target");
    if (!target) return error({"operation-not-supported", "", op + ": target running or candidate"});
    return result(op == "lock" ? ds->lock(*target, sid) : ds->unlock(*target, sid));
  }
  if (op == "validate") {
    std::string other;
    const auto source = store_of(rpc, "source", &other);
    if (source) return result(ds->validate(*source, hooks.validate));
    if (other != "config")
      return error({"operation-not-supported", "", "validate: source running, candidate or config"});
    auto c = inline_config(child(rpc, "source"), false);
    if (auto* e = std::get_if<RpcError>(&c)) return error(*e);
    if (auto errors = hooks.validate(ds->json(std::get<Tree>(c).get())); !errors.empty())
      return error(to_rpc_error(errors));
    return nc_server_reply_ok();
  }
  if (op == "commit") {
    if (auto e = ds->check_lock(Store::kRunning, sid)) return error(*e);
    if (auto e = ds->check_lock(Store::kCandidate, sid)) return error(*e);
    Datastores::Confirm c;
    c.confirmed = child(rpc, "confirmed") != nullptr;
    if (const lyd_node* t = child(rpc, "confirm-timeout"))
      c.timeout = std::chrono::seconds{std::stoul(lyd_get_value(t))};
    if (const lyd_node* p = child(rpc, "persist")) c.persist = lyd_get_value(p);
    if (const lyd_node* p = child(rpc, "persist-id")) c.persist_id = lyd_get_value(p);
    auto e = ds->commit(hooks.commit, guard, sid, c, Datastores::Clock::now());
    if (!e && c.confirmed)
      spdlog::info("NETCONF: session {}: confirmed commit, rolled back unless confirmed within {} s", sid,
                   c.timeout.count());
    return result(e);
  }
  if (op == "cancel-commit") {
    std::optional<std::string> id;
    if (const lyd_node* p = child(rpc, "persist-id")) id = lyd_get_value(p);
    auto e = ds->cancel_commit(hooks.commit, sid, id);
    if (!e) spdlog::info("NETCONF: session {}: confirmed commit cancelled: running restored", sid);
    return result(e);
  }
  if (op == "discard-changes") {
    if (auto e = ds->check_lock(Store::kCandidate, sid)) return error(*e);
    ds->discard();
    return nc_server_reply_ok();
  }
  if (op == "kill-session") {
    const lyd_node* id = child(rpc, "session-id");
    const auto victim = id != nullptr ? static_cast<std::uint32_t>(std::stoul(lyd_get_value(id))) : 0;
    if (victim == sid) return error({"invalid-value", "session-id", "a session cannot kill itself"});
    const auto it = sessions.find(victim);
    if (it == sessions.end()) return error({"invalid-value", "session-id", "no session " + std::to_string(victim)});
    nc_session_set_term_reason(it->second, NC_SESSION_TERM_KILLED);
    nc_session_set_killed_by(it->second, sid);
    nc_session_set_status(it->second, NC_STATUS_INVALID);
    ds->session_ended(victim, hooks.commit);
    spdlog::info("NETCONF: session {} killed by session {}", victim, sid);
    return nc_server_reply_ok();
  }
  return error({"operation-not-supported", "", op + " is not supported"});
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() = default;

std::variant<std::unique_ptr<Server>, std::string> Server::start(const config::Netconf& cfg, const Paths& paths,
                                                                 const std::string& running, Hooks hooks) {
  if (g_impl != nullptr) return std::string("a NETCONF server is already running");
  auto impl = std::make_unique<Impl>();
  impl->cfg = cfg;
  impl->paths = paths;
  impl->hooks = std::move(hooks);
  impl->users = cfg.users;
  g_impl = impl.get();
  if (auto err = impl->init(running)) return "NETCONF: " + *err;
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->run(); });
  spdlog::info("NETCONF on [{}]:{} (SSH), {} user(s)", cfg.address, cfg.port, cfg.users.size());
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

void Server::set_running(std::string text) {
  const std::lock_guard lock(impl_->mu);
  impl_->pending_running = std::move(text);
}

void Server::notify(std::string json) {
  const std::lock_guard lock(impl_->mu);
  if (impl_->notifications.size() >= Impl::kMaxQueued) {
    impl_->notifications.pop_front();
    ++impl_->notifications_dropped;
  }
  impl_->notifications.push_back(std::move(json));
}

void Server::set_users(std::vector<config::NetconfUser> users) {
  const std::lock_guard lock(impl_->mu);
  impl_->users = std::move(users);
}

}  // namespace cats::netconf
