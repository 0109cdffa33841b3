#include "catsd/privileges.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>
#include <vector>

namespace cats {

namespace {

constexpr std::array<cap_value_t, 3> kKeep = {CAP_NET_BIND_SERVICE, CAP_NET_ADMIN, CAP_NET_RAW};

std::optional<unsigned> number(const std::string& s) {
  unsigned v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::string errno_text(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

struct CapFree {
  void operator()(cap_t c) const { cap_free(c); }
};

}  // namespace

std::variant<Identity, std::string> resolve_identity(const std::string& user, const std::string& group) {
  Identity id;
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  if (auto n = number(user)) {
    getpwuid_r(*n, &pw, buf.data(), buf.size(), &found);
    id.uid = *n;
  } else {
    getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found);
    if (found == nullptr) return "--user " + user + ": no such user";
    id.uid = pw.pw_uid;
  }
  id.user = found != nullptr ? found->pw_name : user;
  if (group.empty()) {
    if (found == nullptr) return "--user " + user + ": no such user, and no --group";
    id.gid = found->pw_gid;
  } else if (auto n = number(group)) {
    id.gid = *n;
  } else {
    struct group gr {};
    struct group* g = nullptr;
    getgrnam_r(group.c_str(), &gr, buf.data(), buf.size(), &g);
    if (g == nullptr) return "--group " + group + ": no such group";
    id.gid = g->gr_gid;
  }
  id.group = group.empty() ? std::to_string(id.gid) : group;
  if (id.uid == 0) return "--user " + user + ": is root; nothing would be dropped";
  return id;
}

std::optional<std::string> drop_privileges(const Identity& who, const std::string& own) {
  if (geteuid() != 0) return "--user " + who.user + ": catsd must start as root to change its user";
  if (!own.empty() && chown(own.c_str(), who.uid, who.gid) != 0) return errno_text(("chown " + own).c_str());
  // The bounding set first: dropping from it needs CAP_SETPCAP, which goes with root.
  for (cap_value_t c = 0; c <= CAP_LAST_CAP; ++c) {
    bool keep = false;
    for (auto k : kKeep) keep = keep || k == c;
    if (!keep && CAP_IS_SUPPORTED(c) && cap_drop_bound(c) != 0) return errno_text("cap_drop_bound");
  }
  if (prctl(PR_SET_KEEPCAPS, 1L, 0L, 0L, 0L) != 0) return errno_text("prctl(PR_SET_KEEPCAPS)");
  if (setgroups(1, &who.gid) != 0) return errno_text("setgroups");
  // glibc applies these to every thread of the process (the logger's too).
  if (setgid(who.gid) != 0) return errno_text("setgid");
  if (setuid(who.uid) != 0) return errno_text("setuid");
  const std::unique_ptr<std::remove_pointer_t<cap_t>, CapFree> caps(cap_init());
  if (!caps) return errno_text("cap_init");
  if (cap_set_flag(caps.get(), CAP_PERMITTED, kKeep.size(), kKeep.data(), CAP_SET) != 0 ||
      cap_set_flag(caps.get(), CAP_EFFECTIVE, kKeep.size(), kKeep.data(), CAP_SET) != 0)
    return errno_text("cap_set_flag");
  if (cap_set_proc(caps.get()) != 0) return errno_text("cap_set_proc");
  prctl(PR_SET_KEEPCAPS, 0L, 0L, 0L, 0L);
  // A drop that could be undone is no drop.
  if (setuid(0) == 0 || geteuid() == 0) return "the user change could be undone";
  return std::nullopt;
}

}  // namespace cats
