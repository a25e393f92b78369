# bash completion for netsession (also printed by `netsession completion bash`).
# Install: source it from ~/.bashrc, or copy it to /etc/bash_completion.d/netsession.
_netsession() {
  local cur prev words cword
  cur="${COMP_WORDS[COMP_CWORD]}"
  prev="${COMP_WORDS[COMP_CWORD-1]}"
  local commands="serve list monitor session sim record completion help"
  local where="--daemon --socket --url --token-file --demo --help"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "$commands --help" -- "$cur"))
    return
  fi
  case "$prev" in
    --state) COMPREPLY=($(compgen -W "defined discovered active" -- "$cur")); return ;;
    --fields) COMPREPLY=($(compgen -W "id type state bearer reachability metered name" -- "$cur")); return ;;
    --driver) COMPREPLY=($(compgen -W "sim linux" -- "$cur")); return ;;
    --roaming) COMPREPLY=($(compgen -W "forced application" -- "$cur")); return ;;
    --socket|--token-file|--out|--scenario) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  case "${COMP_WORDS[1]}" in
    list) COMPREPLY=($(compgen -W "--state --fields --terse --json $where" -- "$cur")) ;;
    monitor) COMPREPLY=($(compgen -W "--json --duration --fast --no-session --session --budget $where" -- "$cur")) ;;
    session)
      if [ "$COMP_CWORD" -eq 2 ]; then
        COMPREPLY=($(compgen -W "open close stop accept reject --help" -- "$cur"))
      else
        COMPREPLY=($(compgen -W "--client --key --roaming --ttl --json $where" -- "$cur"))
      fi ;;
    sim)
      if [ "$COMP_CWORD" -eq 2 ]; then
        COMPREPLY=($(compgen -W "run replay from-trace --help" -- "$cur"))
      else
        COMPREPLY=($(compgen -f -W "--json --stop-on-failure --seed --session --out --help" -- "$cur"))
      fi ;;
    serve) COMPREPLY=($(compgen -W "--driver --port --host --socket --no-socket --no-tcp --socket-group --allow-remote --token-file --scenario --seed --no-lively --lease-ttl --linger --max-streams --max-connections --help" -- "$cur")) ;;
    record) COMPREPLY=($(compgen -W "--driver --url --token-file --duration --out --session --help" -- "$cur")) ;;
    completion) COMPREPLY=($(compgen -W "bash" -- "$cur")) ;;
  esac
}
complete -F _netsession netsession
