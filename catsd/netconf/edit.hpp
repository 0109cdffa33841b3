// RFC 6241 edit-config on libyang trees: merge, replace, create, delete,
// remove and none (§7.2), with default-operation. libyang offers only merge;
// this is the rest. The target is changed in place: callers edit a copy and
// keep it only on success (rollback-on-error).
#pragma once

#include <libyang/libyang.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace cats::netconf {

// An rpc-error as RFC 6241 Appendix A spells it.
struct RpcError {
  std::string tag = "operation-failed";  // error-tag
  std::string path;                      // error-path (data path), may be empty
  std::string message;                   // error-message
  std::uint32_t session_id = 0;          // lock-denied: who holds the lock
};

struct TreeDeleter {
  void operator()(lyd_node* n) const { lyd_free_all(n); }
};
using Tree = std::unique_ptr<lyd_node, TreeDeleter>;

enum class EditOp { kMerge, kReplace, kCreate, kDelete, kRemove, kNone };
std::optional<EditOp> edit_op(std::string_view name);

// An edit-config <config>'s content (XML) for apply_edit: strictly parsed;
// a leaf to delete or remove may be empty (<hold-time nc:operation="delete"/>),
// which no type accepts, so such leaves are kept as opaque nodes.
std::variant<Tree, RpcError> parse_edit(ly_ctx* ctx, const std::string& xml);

// Applies `edit` (the siblings of an edit-config <config>, parsed with
// LYD_PARSE_ONLY so nc:operation is metadata) to the tree whose first
// sibling is *target. `ncmod` is ietf-netconf (for the operation attribute).
std::optional<RpcError> apply_edit(lyd_node** target, const lyd_node* edit, EditOp default_op, const lys_module* ncmod);

}  // namespace cats::netconf
