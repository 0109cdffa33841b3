#include "yang/loader/load.hpp"

#include <cerrno>
#include <fstream>
#include <sstream>
#include <system_error>

#include "common/paths/paths.hpp"
#include "yang/loader/checks.hpp"
#include "yang/loader/host_bits.hpp"
#include "yang/loader/libyang.hpp"
#include "yang/loader/map.hpp"
#include "yang/loader/tree_view.hpp"

#ifndef CATS_IETF_YANG_DIR
#define CATS_IETF_YANG_DIR "/usr/share/yuma/modules/ietf"
#endif

namespace cats::loader {

using namespace cats::config;  // the model this maps to

namespace {

constexpr const char* kModule = "cats-bgp";

ConfigErrors from_libyang(ly_ctx* ctx, const std::string& fallback_path, const std::string& fallback_reason) {
  ConfigErrors out;
  for (auto& m : ly::take_errors(ctx)) {
    if (m.path.empty()) m.path = fallback_path;
    out.push_back({std::move(m.path), std::move(m.text)});
  }
  if (out.empty()) out.push_back({fallback_path, fallback_reason});
  return out;
}

// Host bits in an XML instance: the values as written, each found in the
// tree (which holds it masked) for its data path.
ConfigErrors xml_host_bits(const lyd_node* tree, const std::string& text) {
  ConfigErrors out;
  for (const auto& [written, fixed] : xml_prefixes_with_host_bits(text)) {
    std::string path = "/cats-bgp:bgp";
    for (const lyd_node* top = tree; top != nullptr; top = top->next) {
      const lyd_node* n = nullptr;
      LYD_TREE_DFS_BEGIN(top, n) {
        if (n->schema != nullptr && (n->schema->nodetype & LYD_NODE_TERM) != 0 &&
            std::string_view{LYD_NAME(n)} == "prefix" && fixed == lyd_get_value(n)) {
          if (const ly::Text p{lyd_path(n, LYD_PATH_STD, nullptr, 0)}) path = p.get();
        }
        LYD_TREE_DFS_END(top, n);
      }
    }
    std::string reason = written;
    reason += " has host bits set (the prefix is " + fixed + ")";
    out.push_back({path, std::move(reason)});
  }
  return out;
}

}  // namespace

std::filesystem::path default_yang_dir() {
  return paths::yang_dir();
}

LoadResult load_config(const std::filesystem::path& file, const std::filesystem::path& yang_dir) {
  // Not /dev/zero, a FIFO or a directory: a configuration is a file of a size one can read.
  std::error_code fec;
  const auto st = std::filesystem::status(file, fec);
  if (!fec && std::filesystem::exists(st)) {
    if (!std::filesystem::is_regular_file(st)) return ConfigErrors{{file.string(), "not a regular file"}};
    if (const auto size = std::filesystem::file_size(file, fec); !fec && size > kMaxConfigOctets)
      return ConfigErrors{{file.string(), "larger than " + std::to_string(kMaxConfigOctets >> 20) + " MiB (" +
                                              std::to_string(size) + " octets)"}};
  }
  std::ifstream in{file, std::ios::binary};
  if (!in) {
    std::error_code ec{errno, std::generic_category()};
    return ConfigErrors{{file.string(), "cannot open: " + ec.message()}};
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return ConfigErrors{{file.string(), "cannot read"}};
  return load_config_text(text.str(), yang_dir, file.string());
}

LoadResult load_config_text(const std::string& text, const std::filesystem::path& yang_dir, const std::string& origin) {
  ly::CaptureLog capture;

  ly_ctx* raw_ctx = nullptr;
  const auto dir = yang_dir.string();
  if (ly_ctx_new(dir.c_str(), LY_CTX_NO_YANGLIBRARY | LY_CTX_DISABLE_SEARCHDIR_CWD, &raw_ctx) != LY_SUCCESS) {
    // No context to ask for messages.
    return ConfigErrors{{dir, "cannot create a libyang context"}};
  }
  ly::Context ctx{raw_ctx};
  if (ly_ctx_load_module(ctx.get(), kModule, nullptr, nullptr) == nullptr) {
    return from_libyang(ctx.get(), dir, std::string{"cannot load module "} + kModule);
  }
  // The NETCONF server's access rules (RFC 8341) may sit beside bgp; without
  // the module (libyuma-base) such a file is refused as unknown data.
  if (ly_ctx_set_searchdir(ctx.get(), CATS_IETF_YANG_DIR) != LY_SUCCESS ||
      ly_ctx_load_module(ctx.get(), "ietf-netconf-acm", nullptr, nullptr) == nullptr)
    ly::take_errors(ctx.get());

  // RFC 7951 JSON, or XML (what yanglint and NETCONF clients write): the
  // first character tells.
  const auto first = text.find_first_not_of(" \t\r\n");
  const bool xml = first != std::string::npos && text[first] == '<';
  lyd_node* raw_tree = nullptr;
  const LY_ERR rc = lyd_parse_data_mem(ctx.get(), text.c_str(), xml ? LYD_XML : LYD_JSON,
                                       LYD_PARSE_STRICT | LYD_PARSE_NO_STATE, LYD_VALIDATE_NO_STATE, &raw_tree);
  ly::Tree tree{raw_tree};
  if (rc != LY_SUCCESS) return from_libyang(ctx.get(), origin, "not a valid configuration");
  // The checks below read JSON: the XML instance as its RFC 7951 twin, after
  // the one check that needs the text as written.
  std::string json_text;
  if (xml) {
    if (auto errors = xml_host_bits(tree.get(), text); !errors.empty()) return errors;
    char* raw = nullptr;
    const LY_ERR printed = lyd_print_mem(&raw, tree.get(), LYD_JSON, LYD_PRINT_WITHSIBLINGS);
    const ly::Text out{raw};
    if (printed != LY_SUCCESS || !out)
      return from_libyang(ctx.get(), origin, "cannot convert the XML instance to JSON");
    json_text = out.get();
  }
  const std::string& json = xml ? json_text : text;

  const lyd_node* bgp = nullptr;
  for (const lyd_node* n = tree.get(); n != nullptr; n = n->next) {
    if (n->schema && LYD_NAME(n) == std::string_view{"bgp"}) bgp = n;
  }
  if (bgp == nullptr) return ConfigErrors{{origin, "no /cats-bgp:bgp configuration"}};

  ConfigErrors errors = check_prefix_host_bits(json);
  if (!errors.empty()) return errors;
  Config cfg = map_tree(ly::View{bgp}, errors);
  if (!errors.empty()) return errors;
  errors = check_semantics(cfg);
  if (!errors.empty()) return errors;
  return cfg;
}

}  // namespace cats::loader
