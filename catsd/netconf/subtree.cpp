#include "catsd/netconf/subtree.hpp"

#include <string_view>

#include "yang/loader/libyang.hpp"

namespace cats::netconf {

namespace {

std::string_view name_of(const lyd_node* n) {
  if (n->schema != nullptr) return LYD_NAME(n);
  return reinterpret_cast<const lyd_node_opaq*>(n)->name.name;
}

// A content match node's value; nullopt for selection and containment nodes.
std::optional<std::string_view> content(const lyd_node* f) {
  if (lyd_child(f) != nullptr) return std::nullopt;
  const char* v = nullptr;
  if (f->schema == nullptr) {
    v = reinterpret_cast<const lyd_node_opaq*>(f)->value;
  } else if ((f->schema->nodetype & LYD_NODE_TERM) != 0) {
    v = lyd_get_value(f);
  }
  if (v == nullptr) return std::nullopt;
  std::string_view s{v};
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return std::nullopt;  // whitespace only: a selection node
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

// Every content match child of `f` has a matching child in `d`.
bool matches(const lyd_node* d, const lyd_node* f) {
  for (const lyd_node* c = lyd_child(f); c != nullptr; c = c->next) {
    const auto want = content(c);
    if (!want) continue;
    bool found = false;
    for (const lyd_node* x = lyd_child(d); x != nullptr && !found; x = x->next)
      found = name_of(x) == name_of(c) && x->schema != nullptr && (x->schema->nodetype & LYD_NODE_TERM) != 0 &&
              *want == lyd_get_value(x);
    if (!found) return false;
  }
  return true;
}

lyd_node* copy(const lyd_node* d, lyd_node* parent, lyd_node** top, bool recursive) {
  lyd_node* dup = nullptr;
  if (lyd_dup_single(d, reinterpret_cast<lyd_node_inner*>(parent), recursive ? LYD_DUP_RECURSIVE : 0, &dup) !=
      LY_SUCCESS)
    return nullptr;
  if (parent == nullptr && lyd_insert_sibling(*top, dup, top) != LY_SUCCESS) {
    lyd_free_tree(dup);
    return nullptr;
  }
  return dup;
}

void filter_into(lyd_node* parent, lyd_node** top, const lyd_node* data, const lyd_node* filter) {
  for (const lyd_node* f = filter; f != nullptr; f = f->next) {
    const bool selection = lyd_child(f) == nullptr && !content(f);
    for (const lyd_node* d = data; d != nullptr; d = d->next) {
      if (name_of(d) != name_of(f)) continue;
      if (selection) {
        copy(d, parent, top, true);
        continue;
      }
      if (lyd_child(f) == nullptr) {  // a content match at this level: the leaf itself if it matches
        if (content(f) == std::string_view{lyd_get_value(d)}) copy(d, parent, top, true);
        continue;
      }
      if (!matches(d, f)) continue;
      bool others = false;
      for (const lyd_node* c = lyd_child(f); c != nullptr && !others; c = c->next) others = !content(c);
      if (!others) {  // only content matches: the whole instance
        copy(d, parent, top, true);
        continue;
      }
      lyd_node* shell = copy(d, parent, top, false);  // with a list's keys
      if (shell == nullptr) continue;
      for (const lyd_node* c = lyd_child(f); c != nullptr; c = c->next) {
        if (!content(c)) continue;
        for (const lyd_node* x = lyd_child(d); x != nullptr; x = x->next)
          if (name_of(x) == name_of(c) && (x->schema->flags & LYS_KEY) == 0) copy(x, shell, top, true);
      }
      filter_into(shell, top, lyd_child(d), lyd_child(f));
      // A container whose filter selected nothing below it is not part of the answer.
      if (d->schema->nodetype == LYS_CONTAINER && lyd_child(shell) == nullptr) {
        if (shell == *top) *top = shell->next;
        lyd_free_tree(shell);
      }
    }
  }
}

}  // namespace

Tree subtree_filter(const lyd_node* data, const lyd_node* filter) {
  lyd_node* top = nullptr;
  filter_into(nullptr, &top, data, filter);
  return Tree{top};
}

std::variant<Tree, RpcError> parse_filter(ly_ctx* ctx, const std::string& xml) {
  lyd_node* tree = nullptr;
  if (lyd_parse_data_mem(ctx, xml.c_str(), LYD_XML, LYD_PARSE_ONLY | LYD_PARSE_OPAQ, 0, &tree) != LY_SUCCESS) {
    lyd_free_all(tree);
    auto errors = loader::ly::take_errors(ctx);
    return RpcError{"invalid-value", "filter", errors.empty() ? "not a subtree filter" : errors.back().text};
  }
  return Tree{tree};
}

}  // namespace cats::netconf
