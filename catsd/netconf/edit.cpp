#include "catsd/netconf/edit.hpp"

#include <cstdlib>
#include <memory>

#include "yang/loader/libyang.hpp"

namespace cats::netconf {

namespace {

std::string path_of(const lyd_node* n) {
  char* p = lyd_path(n, LYD_PATH_STD, nullptr, 0);
  const loader::ly::Text owned{p};
  return p != nullptr ? std::string(p) : std::string();
}

std::optional<EditOp> op_of(const lyd_node* e, const lys_module* ncmod) {
  const lyd_meta* m = lyd_find_meta(e->meta, ncmod, "operation");
  if (m == nullptr) return std::nullopt;
  return edit_op(lyd_get_meta_value(m));
}

// The node among `first` and its siblings that `e` designates: a list entry
// by its keys, a leaf-list entry by its value, anything else by its schema.
lyd_node* match(lyd_node* first, const lyd_node* e) {
  if (first == nullptr) return nullptr;
  lyd_node* m = nullptr;
  if ((e->schema->nodetype & (LYS_LIST | LYS_LEAFLIST)) != 0) {
    lyd_find_sibling_first(first, e, &m);
  } else {
    lyd_find_sibling_val(first, e->schema, nullptr, 0, &m);
  }
  return m;
}

// An opaque node's nc:operation, or "".
std::string opaque_op(const lyd_node* e) {
  const auto* o = reinterpret_cast<const lyd_node_opaq*>(e);
  for (const lyd_attr* a = o->attr; a != nullptr; a = a->next)
    if (std::string_view{a->name.name} == "operation") return a->value;
  return {};
}

// The schema node an opaque edit node names, under `parent` (nullptr: top level).
const lysc_node* opaque_schema(const lyd_node* e, const lyd_node* parent) {
  const auto* o = reinterpret_cast<const lyd_node_opaq*>(e);
  const lys_module* mod = parent != nullptr ? parent->schema->module : nullptr;
  if (parent == nullptr) {
    if (o->name.module_ns == nullptr) return nullptr;
    mod = ly_ctx_get_module_implemented_ns(LYD_CTX(e), o->name.module_ns);
    if (mod == nullptr) return nullptr;
  }
  return lys_find_child(parent != nullptr ? parent->schema : nullptr, mod, o->name.name, 0, LYD_NODE_TERM, 0);
}

// Every opaque node of the tree is a terminal to delete or remove.
bool only_deletions_opaque(const lyd_node* tree) {
  for (const lyd_node* top = tree; top != nullptr; top = top->next) {
    const lyd_node* n = nullptr;
    LYD_TREE_DFS_BEGIN(top, n) {
      if (n->schema == nullptr) {
        const std::string op = opaque_op(n);
        if ((op != "delete" && op != "remove") || lyd_child(n) != nullptr) return false;
      }
      LYD_TREE_DFS_END(top, n);
    }
  }
  return true;
}

bool is_key(const lyd_node* n) {
  return n->schema != nullptr && (n->schema->flags & LYS_KEY) != 0;
}

void remove_node(lyd_node** top, lyd_node* n) {
  if (n == *top) *top = n->next;
  lyd_free_tree(n);
}

// A copy of `e` (and below, without the operation attributes) where it belongs.
std::optional<RpcError> insert_copy(lyd_node** top, lyd_node* parent, const lyd_node* e, bool recursive,
                                    lyd_node** out) {
  std::uint32_t opts = LYD_DUP_NO_META;
  if (recursive) opts |= LYD_DUP_RECURSIVE;
  lyd_node* dup = nullptr;
  if (lyd_dup_single(e, reinterpret_cast<lyd_node_inner*>(parent), opts, &dup) != LY_SUCCESS)
    return RpcError{"operation-failed", path_of(e), "cannot copy the node"};
  if (parent == nullptr && lyd_insert_sibling(*top, dup, top) != LY_SUCCESS) {
    lyd_free_tree(dup);
    return RpcError{"operation-failed", path_of(e), "cannot insert the node"};
  }
  if (out != nullptr) *out = dup;
  return std::nullopt;
}

std::optional<RpcError> apply_one(lyd_node** top, lyd_node* parent, const lyd_node* e, EditOp inherited,
                                  const lys_module* ncmod) {
  if (e->schema == nullptr) {
    // An empty leaf to delete or remove (parse_edit let nothing else through).
    const lysc_node* schema = opaque_schema(e, parent);
    const std::string op = opaque_op(e);
    const std::string where = (parent != nullptr ? path_of(parent) : std::string()) + "/" +
                              reinterpret_cast<const lyd_node_opaq*>(e)->name.name;
    if (schema == nullptr) return RpcError{"unknown-element", where, "not in the model"};
    if (op != "delete" && op != "remove") return RpcError{"invalid-value", where, "not a valid value"};
    lyd_node* m = nullptr;
    lyd_node* siblings = parent != nullptr ? lyd_child(parent) : *top;
    if (siblings != nullptr) lyd_find_sibling_val(siblings, schema, nullptr, 0, &m);
    if (m == nullptr && op == "delete") return RpcError{"data-missing", where, "delete: no such data"};
    if (m != nullptr) remove_node(top, m);
    return std::nullopt;
  }
  const EditOp op = op_of(e, ncmod).value_or(inherited);
  lyd_node* siblings = parent != nullptr ? lyd_child(parent) : *top;
  lyd_node* m = match(siblings, e);
  switch (op) {
    case EditOp::kDelete:
      if (m == nullptr) return RpcError{"data-missing", path_of(e), "delete: no such data"};
      [[fallthrough]];
    case EditOp::kRemove:
      if (m != nullptr) remove_node(top, m);
      return std::nullopt;
    case EditOp::kCreate:
      if (m != nullptr) return RpcError{"data-exists", path_of(e), "create: the data already exists"};
      return insert_copy(top, parent, e, true, nullptr);
    case EditOp::kReplace:
      if (m != nullptr) remove_node(top, m);
      return insert_copy(top, parent, e, true, nullptr);
    case EditOp::kMerge:
    case EditOp::kNone: break;
  }
  if ((e->schema->nodetype & LYD_NODE_TERM) != 0) {
    if (op == EditOp::kNone) return std::nullopt;
    if (m == nullptr) return insert_copy(top, parent, e, false, nullptr);
    if (e->schema->nodetype == LYS_LEAF) {
      const LY_ERR r = lyd_change_term(m, lyd_get_value(e));
      if (r != LY_SUCCESS && r != LY_EEXIST && r != LY_ENOT)
        return RpcError{"invalid-value", path_of(e), "cannot set the value"};
    }
    return std::nullopt;
  }
  if ((e->schema->nodetype & LYD_NODE_ANY) != 0) {
    if (m != nullptr) remove_node(top, m);
    return insert_copy(top, parent, e, true, nullptr);
  }
  // A container or list entry: made when missing (keys come with it), then
  // each child under the operation in force; one made only to reach a
  // child's delete or remove goes again if that leaves it empty.
  const bool made = m == nullptr;
  if (made)
    if (auto err = insert_copy(top, parent, e, false, &m)) return err;
  for (const lyd_node* c = lyd_child(e); c != nullptr; c = c->next) {
    if (is_key(c)) continue;
    if (auto err = apply_one(top, m, c, op, ncmod)) return err;
  }
  if (made && op == EditOp::kNone && lyd_child(m) == nullptr) remove_node(top, m);
  return std::nullopt;
}

}  // namespace

std::variant<Tree, RpcError> parse_edit(ly_ctx* ctx, const std::string& xml) {
  constexpr std::uint32_t kStrict = LYD_PARSE_ONLY | LYD_PARSE_STRICT | LYD_PARSE_NO_STATE;
  lyd_node* tree = nullptr;
  if (lyd_parse_data_mem(ctx, xml.c_str(), LYD_XML, kStrict, 0, &tree) == LY_SUCCESS) return Tree{tree};
  lyd_free_all(tree);
  auto errors = loader::ly::take_errors(ctx);
  RpcError strict{"invalid-value", "", "not valid data"};
  if (!errors.empty()) {
    strict.path = errors.back().path;
    strict.message = errors.back().text;
  }
  tree = nullptr;
  const LY_ERR rc =
      lyd_parse_data_mem(ctx, xml.c_str(), LYD_XML, LYD_PARSE_ONLY | LYD_PARSE_OPAQ | LYD_PARSE_NO_STATE, 0, &tree);
  Tree opaque{tree};
  loader::ly::take_errors(ctx);
  if (rc == LY_SUCCESS && only_deletions_opaque(opaque.get())) return opaque;
  return strict;
}

std::optional<EditOp> edit_op(std::string_view name) {
  if (name == "merge") return EditOp::kMerge;
  if (name == "replace") return EditOp::kReplace;
  if (name == "create") return EditOp::kCreate;
  if (name == "delete") return EditOp::kDelete;
  if (name == "remove") return EditOp::kRemove;
  if (name == "none") return EditOp::kNone;
  return std::nullopt;
}

std::optional<RpcError> apply_edit(lyd_node** target, const lyd_node* edit, EditOp default_op,
                                   const lys_module* ncmod) {
  if (default_op == EditOp::kReplace) {
    // The whole configuration is the edit's.
    lyd_free_all(*target);
    *target = nullptr;
    for (const lyd_node* e = edit; e != nullptr; e = e->next)
      if (auto err = insert_copy(target, nullptr, e, true, nullptr)) return err;
    return std::nullopt;
  }
  for (const lyd_node* e = edit; e != nullptr; e = e->next)
    if (auto err = apply_one(target, nullptr, e, default_op, ncmod)) return err;
  return std::nullopt;
}

}  // namespace cats::netconf
