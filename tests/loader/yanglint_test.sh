#!/bin/sh
# yanglint (libyang's own CLI, independent of catsd's loader) checks the
# module without a warning, accepts every example, rejects every bad one.
# bad-semantic/ examples are valid YANG that only catsd's checks reject.
# Usage: yanglint_test.sh <yang dir>
set -u
dir=${1:?yang dir}
fail=0
out=$(yanglint -p "$dir" "$dir/cats-bgp.yang" 2>&1)
if [ $? -ne 0 ] || [ -n "$out" ]; then
  echo "FAIL module: $out"; fail=1
fi
check() {  # expect (0 = accepted, 1 = rejected), file
  yanglint -p "$dir" -t config "$dir/cats-bgp.yang" "$2" >/dev/null 2>&1
  rc=$?
  if [ "$1" -eq 0 ] && [ $rc -ne 0 ]; then echo "FAIL rejected: $2"; fail=1; fi
  if [ "$1" -eq 1 ] && [ $rc -eq 0 ]; then echo "FAIL accepted: $2"; fail=1; fi
  echo "ok (rc $rc) $2"
}
n=0
for f in "$dir"/examples/*.json "$dir"/examples/bad-semantic/*.json; do check 0 "$f"; n=$((n + 1)); done
for f in "$dir"/examples/bad/*.json; do check 1 "$f"; n=$((n + 1)); done
[ $n -ge 10 ] || { echo "FAIL only $n examples found"; fail=1; }
exit $fail
