#!/usr/bin/env bash
# cmake --install, then the installed tree moved to another prefix: the
# binaries find their YANG modules and engine profiles beside themselves
# (common/paths), not in the source or build tree. Proof: removing a file
# from the moved prefix makes them fail, naming the moved prefix's path.
#   install_test.sh BUILD_DIR
set -euo pipefail

build=${1:?usage: install_test.sh BUILD_DIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$tmp/first" >/dev/null
# Another prefix, and the first one gone.
cp -a "$tmp/first" "$tmp/moved"
rm -rf "$tmp/first"
p=$tmp/moved
cd /  # nothing relative to the source tree
unset CATSD_DATA_DIR

for f in "$p"/share/doc/catsd/examples/*.json "$p/etc/catsd/catsd.json"; do
  out=$("$p/sbin/catsd" --config "$f" --check) || fail "catsd --check $f"
  echo "$out"
done

# The YANG modules it read are the moved prefix's.
mv "$p/share/catsd/yang" "$p/share/catsd/yang.off"
if out=$("$p/sbin/catsd" --config "$p/etc/catsd/catsd.json" --check 2>&1); then
  fail "catsd --check passed without $p/share/catsd/yang"
fi
grep -qF "$p/share/catsd/yang" <<<"$out" || fail "the error does not name $p/share/catsd/yang: $out"
echo "without share/catsd/yang: $out"
# The override points elsewhere.
cp -a "$p/share/catsd" "$tmp/data"
mv "$tmp/data/yang.off" "$tmp/data/yang"
CATSD_DATA_DIR=$tmp/data "$p/sbin/catsd" --config "$p/etc/catsd/catsd.json" --check || fail "CATSD_DATA_DIR"
mv "$p/share/catsd/yang.off" "$p/share/catsd/yang"

# cats-collector's default engine profiles: an unknown engine is refused
# with the list from the file it read, which is the moved prefix's.
cat >"$tmp/collector.json" <<'JSON'
{"cats-bgp:bgp": {"global": {"as": 64512, "router-id": "192.0.2.1", "role": ["edge"]},
  "services": {"service": [{"name": "s", "prefix": ["203.0.113.10/32"], "metrics": {"l2-score": 5}}]},
  "collector": {"target": [{"name": "t", "url": "http://127.0.0.1:9/metrics", "engine": "nosuch", "service": "s"}]}}}
JSON
status=0
out=$("$p/sbin/cats-collector" --config "$tmp/collector.json" --once 2>&1) || status=$?
[ "$status" = 1 ] || fail "cats-collector exit $status, expected 1: $out"
grep -qF "$p/share/catsd/engines.json has " <<<"$out" || fail "profiles not read from $p: $out"
echo "cats-collector: $out"
rm "$p/share/catsd/engines.json"
status=0
out=$("$p/sbin/cats-collector" --config "$tmp/collector.json" --once 2>&1) || status=$?
[ "$status" = 1 ] || fail "cats-collector exit $status without engines.json: $out"
grep -qF "$p/share/catsd/engines.json" <<<"$out" || fail "the error does not name the missing file: $out"
echo "without engines.json: $out"
echo "PASS"
