// RAII around the few libyang objects the loader uses, and libyang's errors
// as paths and reasons. For the loader and the NETCONF server (catsd/netconf),
// the only parts that include libyang.
#pragma once

#include <libyang/libyang.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace cats::loader::ly {

struct ContextDeleter {
  void operator()(ly_ctx* c) const { ly_ctx_destroy(c); }
};
struct TreeDeleter {
  void operator()(lyd_node* n) const { lyd_free_all(n); }
};
// Strings libyang allocates for the caller (lyd_path, lyd_print_mem).
struct TextDeleter {
  void operator()(char* p) const;
};
using Context = std::unique_ptr<ly_ctx, ContextDeleter>;
using Tree = std::unique_ptr<lyd_node, TreeDeleter>;
using Text = std::unique_ptr<char, TextDeleter>;

// Stores every message (not only the last) and prints none while alive.
// libyang 2.1.30 resets its thread-local temporary options to none inside
// parsing (union values), which falls back to the global ones, so the
// global options are switched and restored: load configuration before
// other threads use libyang.
class CaptureLog {
 public:
  CaptureLog() : previous_(ly_log_options(LY_LOSTORE)) {}
  ~CaptureLog() { ly_log_options(previous_); }
  CaptureLog(const CaptureLog&) = delete;
  CaptureLog& operator=(const CaptureLog&) = delete;

 private:
  std::uint32_t previous_;
};

struct Message {
  std::string path;  // data or schema path without libyang's prose; empty if none
  std::string text;  // the message, with " (line N)" when libyang knows the line
};

// Every stored error of `ctx`, oldest first; clears them.
std::vector<Message> take_errors(ly_ctx* ctx);

}  // namespace cats::loader::ly
