# bash completion for catsctl: commands, subcommands and options, also after an
# abbreviated word (catsctl sh r<TAB>). The words come from catsctl itself
# (`catsctl __complete WORD...`, the table in catsctl/command_words.cpp), so
# this file never goes stale; after an option that takes a value, or where
# catsctl offers nothing, bash completes file names.
_catsctl() {
  local cur=${COMP_WORDS[COMP_CWORD]}
  local words
  words=$("${COMP_WORDS[0]}" __complete "${COMP_WORDS[@]:1:COMP_CWORD-1}" 2>/dev/null) || return
  local IFS=$'\n'
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -o bashdefault -F _catsctl catsctl
