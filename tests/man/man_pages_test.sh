#!/usr/bin/env bash
# The man pages (docs/man): current with their Markdown sources, rendered by
# man(1) without a groff warning, and naming every option the binary's --help
# lists.
set -u
SRC=$1  # the source tree
shift   # then the binaries: catsd cats-collector catsctl
. "$SRC/tests/cli/checks.sh"
export LC_ALL=C.UTF-8 MANWIDTH=80

expect pages_current "$SRC/scripts/man-pages" --check

for page in "$SRC"/docs/man/*.[18]; do
  name=$(basename "$page")
  man --warnings -l "$page" >"$tmp/$name.txt" 2>"$tmp/$name.err"
  if [ -s "$tmp/$name.err" ]; then bad "$name renders with warnings: $(head -3 "$tmp/$name.err")"; else ok "$name renders"; fi
  expect "$name has a NAME section" grep -q '^NAME' "$tmp/$name.txt"
done

for bin in "$@"; do
  prog=$(basename "$bin")
  page=$(ls "$SRC"/docs/man/"$prog".[18] 2>/dev/null | head -1)
  if [ -z "$page" ]; then bad "$prog has no page"; continue; fi
  text=$tmp/$(basename "$page").txt
  missing=""
  for opt in $("$bin" --help | grep -o -- '--[a-z][a-z0-9-]*' | sort -u); do
    grep -q -- "$opt" "$text" || missing="$missing $opt"
  done
  if [ -z "$missing" ]; then ok "$prog: every option of --help in $(basename "$page")"; else bad "$prog: the page lacks$missing"; fi
done

echo "man-pages: $pass passed, $fail failed"
[ "$fail" = 0 ]
