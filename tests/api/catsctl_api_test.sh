#!/usr/bin/env bash
# catsctl's daemon commands against fake_catsd (the canned backend): exit
# codes, server selection, JSON form, watch --count.
set -u
CATSCTL=$1
FAKE=$2
. "$(dirname "$0")/../cli/checks.sh"
CHECK_MERGED=1  # catsctl's errors and output are checked together
fake_pid=
cleanup() {
  [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null
  exec 9>&- 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

mkfifo "$tmp/in"
"$FAKE" <"$tmp/in" >"$tmp/fake.out" 2>"$tmp/fake.err" &
fake_pid=$!
exec 9>"$tmp/in"  # held open: fake_catsd runs until this closes
for _ in $(seq 50); do [ -s "$tmp/fake.out" ] && break; sleep 0.1; done
PORT=$(awk '/^port/ {print $2}' "$tmp/fake.out")
[ -n "$PORT" ] || { echo "FAIL fake_catsd did not start"; cat "$tmp/fake.err"; exit 1; }
SERVER=127.0.0.1:$PORT

C=("$CATSCTL" --server "$SERVER")
check "show neighbors table" 0 '^192.0.2.1 .*established' "${C[@]}" show neighbors
check "show neighbors detail" 0 'Capabilities: route-refresh graceful-restart cats v1' "${C[@]}" show neighbors 192.0.2.1
check "show neighbors not found" 4 'catsctl: no neighbor 192.0.2.9' "${C[@]}" show neighbors 192.0.2.9
check "show neighbors bad address" 4 "bad address" "${C[@]}" show neighbors bad
check "show rib table" 0 '^\*> *203.0.113.10/32' "${C[@]}" show rib
check "show rib detail" 0 'best by cats-score' "${C[@]}" show rib 203.0.113.10/32
check "show rib bad family" 4 "unknown family 'bogus'" "${C[@]}" show rib --family bogus
check "show services" 0 'Originated services' "${C[@]}" show services
check "show services internal error" 4 'catsd error (internal): backend blew up' "${C[@]}" show services throw
check "inject" 0 'llm: sequence 1, 1 path re-advertised' \
  "${C[@]}" inject llm --l2 42 --l1 compute=10,communication=5 --drain --instance gpu0=3
check "inject refused" 4 'l2 above 100' "${C[@]}" inject llm --l2 400
check "inject bad --l1" 2 'CATEGORY=N' "${C[@]}" inject llm --l1 compute
check "inject without service" 2 'needs a SERVICE' "${C[@]}" inject --l2 3
check "clear all soft" 0 'Cleared 3 neighbors' "${C[@]}" clear neighbor all --soft
check "clear unknown" 4 'no neighbor 198.51.100.1' "${C[@]}" clear neighbor 198.51.100.1
check "clear usage" 2 'clear neighbor' "${C[@]}" clear
check "show usage" 2 'show neighbors|rib|services' "${C[@]}" show
check "unknown option" 2 "unknown option '--bogus'" "${C[@]}" show rib --bogus
check "bad timeout" 2 'timeout' "$CATSCTL" --timeout 0 show rib
check "unreachable" 3 'cannot reach catsd at 127.0.0.1:1:' "$CATSCTL" --server 127.0.0.1:1 show rib
check "CATSD_API" 0 'Cleared 1 neighbor' env CATSD_API="$SERVER" "$CATSCTL" clear neighbor 192.0.2.1
check "--server beats CATSD_API" 3 'cannot reach catsd at 127.0.0.1:1:' \
  env CATSD_API="$SERVER" "$CATSCTL" --server 127.0.0.1:1 show rib
check "--server after the command" 0 'Total neighbors: 2' "$CATSCTL" show neighbors --server "$SERVER"

# JSON: protobuf's mapping with proto field names, defaults printed, unset optionals absent.
"${C[@]}" show rib --json >"$tmp/rib.json"
check "show rib --json" 0 '' $PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
p = d["entries"][0]["paths"]
assert p[0]["med"] == 0 and "local_pref" not in p[0], p[0]
assert p[1]["local_pref"] == 100 and "med" not in p[1] and "cats" not in p[1], p[1]
assert p[1]["stale"] is True and p[0]["partial_cats"] is False
assert p[0]["cats"]["l1"] == [{"category": "compute", "score": 9}]
' "$tmp/rib.json"
check "show neighbors --json" 0 '"remote_as":65001' "${C[@]}" show neighbors --json

# watch: registered before the changes are made (stderr line), stops after --count.
"${C[@]}" watch rib --json --count 2 >"$tmp/watch.out" 2>"$tmp/watch.err" &
watch_pid=$!
for _ in $(seq 50); do grep -q 'watching rib' "$tmp/watch.err" && break; sleep 0.1; done
echo emit >&9
"${C[@]}" inject llm --l2 7 >/dev/null
wait "$watch_pid"
check "watch --count 2" 0 '' test "$(wc -l <"$tmp/watch.out")" = 2
check "watch json lines" 0 '' $PY -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert all(l["kind"] == "best-changed" for l in lines), lines
assert any(l.get("best", {}).get("cats", {}).get("l2") == 7 for l in lines), lines
' "$tmp/watch.out"
check "watch refused" 4 "unknown family 'bogus'" "${C[@]}" watch rib --family bogus
check "watch timeout" 3 'watch timed out after 0 changes' "${C[@]}" --timeout 0.3 watch rib

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
