// The privilege drop of --user/--group: catsd starts as root to bind port
// 179 (and 830), then runs as an unprivileged user keeping only the
// capabilities it still uses: CAP_NET_ADMIN (the FIB over rtnetlink),
// CAP_NET_RAW (raw sockets for probes, SO_BINDTODEVICE) and
// CAP_NET_BIND_SERVICE (a NETCONF or API port below 1024 bound after the
// drop). Everything else leaves the bounding set too, so nothing can
// regain it. Called before the FIB's worker, the session, API and NETCONF
// threads start: threads created afterwards inherit the reduced set; the
// few started before (the logger's, the MRT writer's) change user with the
// process (glibc applies setuid to every thread) and keep no capability.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <variant>

namespace cats {

struct Identity {
  std::string user;
  std::string group;
  uid_t uid = 0;
  gid_t gid = 0;
};

// `user` and `group` by name or number; an empty group is the user's primary group.
std::variant<Identity, std::string> resolve_identity(const std::string& user, const std::string& group);

// Becomes `who` with the capabilities above; the reason when it cannot.
// `own`: a directory to hand to `who` first (the API socket's, when catsd
// created it), or empty.
std::optional<std::string> drop_privileges(const Identity& who, const std::string& own);

}  // namespace cats
