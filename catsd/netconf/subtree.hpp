// RFC 6241 §6 subtree filtering on libyang trees: containment nodes,
// selection nodes (empty elements: the whole node) and content match nodes
// (a leaf with a value: only instances whose leaf has it, the others of the
// instance only if named). The filter is the <filter> element's content,
// parsed with LYD_PARSE_OPAQ (an empty selection leaf is no valid value).
#pragma once

#include <libyang/libyang.h>

#include "catsd/netconf/edit.hpp"

namespace cats::netconf {

// What of the tree whose first sibling is `data` the filter selects, as a new tree.
Tree subtree_filter(const lyd_node* data, const lyd_node* filter);

// A <filter> element's content (XML) as a filter tree; errors as rpc-errors.
std::variant<Tree, RpcError> parse_filter(ly_ctx* ctx, const std::string& xml);

}  // namespace cats::netconf
