# local-service.sh - what kafka-local.sh and snowflake-local.sh share: one detached process
# per state directory, with a pid file and a log file, started in its own session and
# stopped with SIGTERM then SIGKILL. Sourced, not run.
#
# The sourcing script sets, before calling these functions:
#   SERVICE      its name in messages ("kafka-local")
#   PID_FILE     where the process's pid is kept
#   LOG_FILE     where its output goes (appended)
# and defines is_service_pid PID (true when PID is a live process of this service).

say() { printf '%s: %s\n' "$SERVICE" "$*"; }
die() { printf '%s: ERROR: %s\n' "$SERVICE" "$*" >&2; exit 1; }

now() { date +%s.%N; }
elapsed_since() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1f", e - s }'; }

# The sourcing script's header comment (its lines 2 to `set -euo pipefail`) is its help.
usage() {
  sed -n '2,/^set -euo pipefail/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'
}

# TCP connect to 127.0.0.1:PORT within 2 s.
port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

read_pid() {
  if [[ -f "$PID_FILE" ]]; then tr -dc '0-9' <"$PID_FILE"; fi
}

# start_detached COMMAND... - starts COMMAND detached; its pid goes to STARTED_PID. setsid: its own
# session, so a Ctrl-C in the calling terminal does not reach it. The inner shell writes its
# own pid, which `exec` hands over to COMMAND.
start_detached() {
  rm -f "$PID_FILE"
  printf '\n===== %s up %s =====\n' "$SERVICE" "$(date -Is)" >>"$LOG_FILE"
  # shellcheck disable=SC2016 # $$, $0 and $@ belong to the inner shell
  nohup setsid bash -c 'echo $$ >"$0"; exec "$@"' "$PID_FILE" "$@" </dev/null >>"$LOG_FILE" 2>&1 &
  for _ in $(seq 1 50); do [[ -s "$PID_FILE" ]] && break; sleep 0.1; done
  STARTED_PID="$(read_pid)"
  [[ -n "$STARTED_PID" ]] || die "$SERVICE did not start (no pid written); see $LOG_FILE"
}

# die_if_exited PID WHAT - during startup: if PID is gone, show the log's tail and stop.
die_if_exited() {
  if ! kill -0 "$1" 2>/dev/null; then
    tail -n 30 "$LOG_FILE" >&2 || true
    rm -f "$PID_FILE"
    die "$2 (pid $1) exited during startup; last log lines above, full log: $LOG_FILE"
  fi
}

# stop_service WHAT PORT GRACE_SECONDS - SIGTERM the recorded process, SIGKILL after the grace.
stop_service() {
  local what="$1" port="$2" grace="$3" pid
  pid="$(read_pid)"
  if is_service_pid "$pid"; then
    say "stopping the $what (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 $((grace * 5))); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
      say "the $what is still running after $grace s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      for _ in $(seq 1 25); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    fi
    say "$what stopped"
  else
    say "no $what started by this script is running"
    if port_open "$port"; then
      say "note: something else is listening on 127.0.0.1:$port (not started from $(dirname "$PID_FILE")); left alone"
    fi
  fi
  rm -f "$PID_FILE"
}

cmd_logs() {
  [[ -f "$LOG_FILE" ]] || die "no log yet at $LOG_FILE"
  if [[ "${1:-}" == "-f" ]]; then
    exec tail -n 100 -F "$LOG_FILE"
  fi
  tail -n 100 "$LOG_FILE"
}

# service_main "$@" - the four commands; cmd_up, cmd_down and cmd_status are the script's.
service_main() {
  local cmd="${1:-}"
  shift || true
  case "$cmd" in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    status) cmd_status "$@" ;;
    logs) cmd_logs "$@" ;;
    -h | --help | help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}
