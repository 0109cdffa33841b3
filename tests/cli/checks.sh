# Sourced by the catsctl shell tests (tests/cli, tests/api): a scratch
# directory, the pass/fail counts and the checks that keep them.
PY=/usr/bin/python3
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }

# expect NAME COMMAND...: passes when COMMAND succeeds.
expect() {
  local name=$1
  shift
  if "$@"; then ok "$name"; else bad "$name"; fi
}

# check NAME RC PATTERN COMMAND...: COMMAND exits RC and, unless PATTERN is
# '', prints PATTERN. Where: on stderr (stdout is kept in $tmp/out), or with
# CHECK_MERGED=1 on either ($tmp/out holds both).
check() {
  local name=$1 want=$2 pattern=$3 rc seen=$tmp/err where=stderr
  shift 3
  if [ -n "${CHECK_MERGED:-}" ]; then
    "$@" >"$tmp/out" 2>&1
    rc=$?
    seen=$tmp/out where=output
  else
    "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
  fi
  if [ "$rc" != "$want" ]; then
    bad "$name: exit $rc, want $want"; sed 's/^/  /' "$seen"; return
  fi
  if [ -n "$pattern" ] && ! grep -q -- "$pattern" "$seen"; then
    bad "$name: $where lacks '$pattern'"; sed 's/^/  /' "$seen"; return
  fi
  if grep -qi 'sanitizer\|terminate called\|core dumped' "$seen"; then
    bad "$name: crashed"; return
  fi
  ok "$name"
}
