#!/usr/bin/env bash
# catsctl/completion/catsctl.bash sourced in a plain bash, as bash-completion
# would: COMPREPLY for a few command lines, abbreviated words included.
set -u
CATSCTL=$1
SCRIPT=$2
. "$(dirname "$0")/checks.sh"
PATH=$(dirname "$CATSCTL"):$PATH
. "$SCRIPT"

# completes NAME "WANT" WORD...: completing the last WORD offers exactly WANT.
completes() {
  local name=$1 want=$2
  shift 2
  COMP_WORDS=(catsctl "$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _catsctl
  local got="${COMPREPLY[*]}"
  if [ "$got" = "$want" ]; then ok "$name"; else bad "$name: got '$got', want '$want'"; fi
}

expect registered bash -c ". '$SCRIPT' && complete -p catsctl | grep -q _catsctl"
completes commands_s "show" s
completes commands_c "clear" c
completes show_subcommands "neighbors rib services fib" show ""
completes abbreviated_show "rib" sh r
completes rib_options "--family --best --json --server --timeout --tls-ca --tls-cert --tls-key --token-file" sh rib --
completes rib_option_prefix "--family" show rib --fa
completes global_before_command "show" --server unix:/run/catsd.sock sh
completes value_of_an_option "" show rib --family ""
completes watch_abbreviated "rib" w r
completes clear_neighbor "--soft --soft-in --soft-out" cl n all --so
completes codec_has_no_server "" decode --se
completes unknown_word "" frobnicate ""
completes global_options "--timeout --tls-ca --tls-cert --tls-key --token-file" --t

echo "catsctl-completion: $pass passed, $fail failed"
[ "$fail" = 0 ]
