#!/usr/bin/env bash
# systemd-analyze verify on the installed units: installed into a temporary
# prefix (their ExecStart then names binaries that exist there). Any
# complaint fails, warnings too (verify exits 0 on an unknown key).
#   units_verify.sh BUILD_DIR
set -euo pipefail

build=${1:?usage: units_verify.sh BUILD_DIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cmake --install "$build" --prefix "$tmp" >/dev/null
units=("$tmp/lib/systemd/system/catsd.service" "$tmp/lib/systemd/system/cats-collector.service")
for u in "${units[@]}"; do
  grep -q "^ExecStart=$tmp/sbin/" "$u" || { echo "FAIL: $u does not start $tmp/sbin/..." >&2; exit 1; }
done
# --man=no: the man pages are in the prefix, not where man looks.
if ! out=$(systemd-analyze verify --man=no "${units[@]}" 2>&1) || [ -n "$out" ]; then
  echo "FAIL: systemd-analyze verify:" >&2
  echo "$out" >&2
  exit 1
fi
echo "PASS: systemd-analyze verify ${units[*]##*/}"
