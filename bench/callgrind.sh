#!/usr/bin/env bash
# Instructions per call and per prefix for each codec kernel, from
# valgrind --tool=callgrind (stable on a noisy machine). Usage: bench/callgrind.sh [build-dir]
set -euo pipefail
BIN=${1:-build}/bin/wire_instr
N=2000
printf '%-18s %14s %10s %12s\n' kernel instr/call prefixes instr/prefix
for k in decode1 decode500 decode_v6_addpath cats8 encode500; do
  out=$(mktemp)
  prefixes=$(valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect='*run_kernel*' "$BIN" "$k" "$N" 2>/dev/null)
  total=$(callgrind_annotate "$out" 2>/dev/null | sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,)
  rm -f "$out"
  per_call=$((total / N))
  if [ "$prefixes" -gt 0 ]; then per_prefix=$(awk -v c="$per_call" -v p="$prefixes" 'BEGIN{printf "%.1f", c/p}'); else per_prefix=-; fi
  printf '%-18s %14s %10s %12s\n' "$k" "$per_call" "$prefixes" "$per_prefix"
done
