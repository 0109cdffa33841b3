#!/usr/bin/env bash
# The Debian package as an operator gets it: `dpkg -i` into a throwaway root
# (a mount namespace with overlays over /usr, /etc and /var, a tmpfs /run, a
# network and a PID namespace of its own: nothing reaches the host, and every
# process dies with the namespace), then each unit's command line run by hand
# as its User= with its capabilities, since systemd is not PID 1 here:
# --check, a start with READY=1 on NOTIFY_SOCKET from the main PID, the API
# answering catsctl on its unix socket, SIGHUP (RELOADING=1, READY=1),
# SIGTERM (STOPPING=1, exit 0); then remove and purge.
#   deb_test.sh --deb FILE          test that package (scripts/package made it)
#   deb_test.sh --build-dir DIR     package DIR's binaries first (cpack, no build)
# Exit 77 (skipped) without root or without mount namespaces and overlayfs.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }

if [ "${1:-}" = --inner ]; then
  deb=$2 tmp=$3
else
  deb="" build=""
  case ${1:-} in
    --deb) deb=$(realpath "${2:?--deb FILE}") ;;
    --build-dir) build=$(realpath "${2:?--build-dir DIR}") ;;
    *) sed -n '2,12p' "$0" >&2; exit 2 ;;
  esac
  [ "$(id -u)" = 0 ] || skip "needs root (mount and network namespaces, dpkg)"
  unshare --mount --net --pid --fork --mount-proc true 2>/dev/null || skip "no namespaces here"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  if [ -n "$build" ]; then
    deb=$("$root/scripts/package" --build-dir "$build" --no-build --out "$tmp/pkg" | tail -1)
  fi
  [ -f "$deb" ] || fail "no package: $deb"
  echo "package: $deb"
  status=0
  unshare --mount --net --pid --fork --mount-proc "$0" --inner "$deb" "$tmp" || status=$?
  exit "$status"
fi

# --- inside the namespaces: PID 1 of a fresh PID namespace ---------------
ovl=$tmp/ovl
mkdir -p "$ovl"
mount -t tmpfs tmpfs "$ovl"
for d in usr etc var; do
  mkdir -p "$ovl/$d.up" "$ovl/$d.work"
  mount -t overlay overlay -o "lowerdir=/$d,upperdir=$ovl/$d.up,workdir=$ovl/$d.work" "/$d" ||
    skip "no overlayfs over /$d"
done
mount -t tmpfs -o mode=0755 tmpfs /run
ip link set lo up

dpkg -i "$deb" || fail "dpkg -i"
dpkg-query -W -f='${Status}\n' catsd | grep -qx 'install ok installed' || fail "catsd not installed"
dpkg-query -W -f='${Conffiles}\n' catsd | grep -q '^ /etc/catsd/catsd.json ' || fail "catsd.json is no conffile"
getent passwd catsd >/dev/null || fail "postinst made no catsd user"
[ "$(stat -c '%U:%G %a' /etc/catsd)" = "root:catsd 770" ] || fail "/etc/catsd: $(stat -c '%U:%G %a' /etc/catsd)"
[ "$(stat -c '%U:%G %a' /var/lib/catsd)" = "catsd:catsd 750" ] || fail "/var/lib/catsd"
for f in /usr/sbin/catsd /usr/sbin/cats-collector /usr/bin/catsctl /usr/share/catsd/yang/cats-bgp.yang \
  /usr/share/catsd/engines.json /usr/lib/systemd/system/catsd.service /usr/lib/systemd/system/cats-collector.service; do
  [ -e "$f" ] || fail "missing $f"
done
echo "installed: $(dpkg-query -W -f='${Package} ${Version}' catsd), user $(id catsd)"

# A unit's command line: ExecStart (or another key) split into words.
unit_cmd() { sed -n "s/^$2=//p" "/usr/lib/systemd/system/$1" | head -1; }
# Run as the unit does: User=/Group= catsd, its capabilities ambient and
# nothing else in the bounding set, no new privileges. A prefix for a simple
# command, so that `$!` is the daemon's pid (setpriv execs it).
as_unit() {
  local caps=$1
  run_as=(setpriv --reuid=catsd --regid=catsd --init-groups --no-new-privs --bounding-set="-all${caps:+,$caps}")
  [ -z "$caps" ] || run_as+=(--inh-caps="$caps" --ambient-caps="$caps")
}
catsd_caps=+net_bind_service,+net_admin,+net_raw
notify=/run/notify.sock
events=$tmp/notify.log
count() { grep -c "^$1 .*$2" "$events" || true; }
# Waits until the notification `$2` from pid `$1` has arrived `$3` times.
wait_notify() {
  for _ in $(seq 200); do
    [ "$(count "$1" "$2")" -ge "$3" ] && return 0
    sleep 0.1
  done
  cat "$events" >&2
  fail "no $2 (#$3) from pid $1"
}

/usr/bin/python3 "$here/notify_listener.py" "$notify" "$events" --seconds 120 &
listener=$!
for _ in $(seq 50); do grep -q listening "$events" 2>/dev/null && break; sleep 0.1; done

# catsd: ExecStartPre (--check), then ExecStart with the unit's directories.
read -r -a pre <<<"$(unit_cmd catsd.service ExecStartPre)"
as_unit "$catsd_caps"
"${run_as[@]}" "${pre[@]}" || fail "ExecStartPre: ${pre[*]}"
read -r -a start <<<"$(unit_cmd catsd.service ExecStart)"
"${run_as[@]}" "${start[@]}" --check || fail "ExecStart --check"
install -d -o catsd -g catsd -m 0750 /run/catsd  # RuntimeDirectory=catsd
# The operator's metrics endpoint (docs/OPERATIONS.md) in the installed conffile.
/usr/bin/python3 - <<'PY' || fail "adding metrics to /etc/catsd/catsd.json"
import json
p = "/etc/catsd/catsd.json"
c = json.load(open(p))
c["cats-bgp:bgp"]["metrics"] = {"address": "127.0.0.1", "port": 9179}
json.dump(c, open(p, "w"), indent=2)
PY
NOTIFY_SOCKET=$notify "${run_as[@]}" "${start[@]}" 2>"$tmp/catsd.log" &
pid=$!
wait_notify "$pid" "READY=1" 1
echo "catsd (pid $pid): READY=1"
ss -ltn | grep -q '127.0.0.1:179 ' || fail "catsd does not listen on 127.0.0.1:179"
[ -S /run/catsd/api.sock ] || fail "no API socket /run/catsd/api.sock"
as_unit ""
CATSD_API=unix:/run/catsd/api.sock "${run_as[@]}" /usr/bin/catsctl show neighbors || fail "catsctl show neighbors"
# A local user outside group catsd is refused by the socket's directory and mode.
status=0
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups /usr/bin/catsctl --server unix:/run/catsd/api.sock \
  --timeout 3 show neighbors 2>&1) || status=$?
if [ "$status" != 3 ] || ! grep -q "Permission denied" <<<"$out"; then fail "nobody's catsctl: exit $status: $out"; fi
echo "catsctl as nobody: refused (exit 3, Permission denied)"
page=$(/usr/bin/python3 -c 'import urllib.request; print(urllib.request.urlopen("http://127.0.0.1:9179/metrics", timeout=5).read().decode(), end="")') ||
  fail "no /metrics on 127.0.0.1:9179"
promtool check metrics <<<"$page" || fail "promtool check metrics"
grep -q '^catsd_bgp_neighbors 0$' <<<"$page" || fail "catsd_bgp_neighbors not on the page"
echo "/metrics: $(grep -c '^[a-z]' <<<"$page") samples, promtool check metrics clean"
kill -HUP "$pid"
wait_notify "$pid" "RELOADING=1" 1
wait_notify "$pid" "READY=1" 2
echo "catsd: SIGHUP: RELOADING=1, READY=1"
kill -TERM "$pid"
wait_notify "$pid" "STOPPING=1" 1
status=0
wait "$pid" || status=$?
[ "$status" = 0 ] || { cat "$tmp/catsd.log" >&2; fail "catsd exit $status after SIGTERM"; }
echo "catsd: SIGTERM: STOPPING=1, exit 0"

# cats-collector with the example (its engine profiles: /usr/share/catsd/engines.json).
cp /usr/share/doc/catsd/examples/collector.json /etc/catsd/collector.json
read -r -a start <<<"$(unit_cmd cats-collector.service ExecStart)"
NOTIFY_SOCKET=$notify "${run_as[@]}" "${start[@]}" 2>"$tmp/collector.log" &
pid=$!
wait_notify "$pid" "READY=1" 1
kill -TERM "$pid"
wait_notify "$pid" "STOPPING=1" 1
status=0
wait "$pid" || status=$?
[ "$status" = 0 ] || { cat "$tmp/collector.log" >&2; fail "cats-collector exit $status after SIGTERM"; }
echo "cats-collector (pid $pid): READY=1; SIGTERM: STOPPING=1, exit 0"
kill "$listener"

dpkg -r catsd || fail "dpkg -r"
[ -e /usr/sbin/catsd ] && fail "dpkg -r left /usr/sbin/catsd"
[ -f /etc/catsd/catsd.json ] || fail "dpkg -r removed the conffile"
dpkg --purge catsd || fail "dpkg --purge"
[ -e /etc/catsd/catsd.json ] && fail "purge left the conffile"
[ -e /var/lib/catsd ] && fail "purge left /var/lib/catsd"
echo "removed and purged"
echo "PASS"
