#!/usr/bin/env bash
# --version on each binary: "NAME VERSION (git DESCRIBE)", exit 0, whatever
# other options stand beside it; the same text the build stamped.
set -u
. "$(dirname "$0")/checks.sh"
for bin in "$@"; do
  prog=$(basename "$bin")
  check "$prog --version" 0 '' "$bin" --version
  expect "$prog version line" grep -Eq "^$prog [0-9]+\.[0-9]+\.[0-9]+( \(git [0-9a-f]{7,}[-A-Za-z0-9.]*\))?$" "$tmp/out"
  expect "$prog one line" [ "$(wc -l <"$tmp/out")" = 1 ]
done
echo "version: $pass passed, $fail failed"
[ "$fail" = 0 ]
