#!/usr/bin/env bash
# snowflake-local.sh - the local Snowflake emulator (fakesnow + the JSON shim of
# infra/snowflake-emulator/) for development and tests, without an account or network.
#
# It runs in a pinned Python virtual environment, created on first use from
# infra/snowflake-emulator/requirements.txt (PyPI); the only prerequisite is Python 3.11+
# with venv (Debian: apt-get install -y python3 python3-venv).
#
# Usage: scripts/snowflake-local.sh <command>
#   up        create the venv (first time, or when requirements.txt changed), start the
#             emulator detached on 127.0.0.1, wait until it answers, print the .env lines
#             that point the pipeline at it. Idempotent.
#   down      stop it (SIGTERM, then SIGKILL after 10 s). Its state is in memory: gone.
#   status    print whether it runs and answers; exit 0 only if it answers.
#   logs [-f] show the last 100 lines of its log (-f: follow).
#
# Environment:
#   SNOWFLAKE_LOCAL_DIR      state dir (venv, log, pid)          default <repo>/.snowflake-emulator
#   SNOWFLAKE_LOCAL_PORT     HTTP port on 127.0.0.1               default 8085
#   SNOWFLAKE_LOCAL_TIMEOUT  seconds `up` waits for readiness    default 60
#   PYTHON                   interpreter that creates the venv   default python3 (3.11 or later)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
INFRA_DIR="$REPO_ROOT/infra/snowflake-emulator"

STATE_DIR="$(realpath -m "${SNOWFLAKE_LOCAL_DIR:-$REPO_ROOT/.snowflake-emulator}")"
PORT="${SNOWFLAKE_LOCAL_PORT:-8085}"
HOST=127.0.0.1
URL="http://$HOST:$PORT"
TIMEOUT="${SNOWFLAKE_LOCAL_TIMEOUT:-60}"
PYTHON="${PYTHON:-python3}"

VENV="$STATE_DIR/venv"
PID_FILE="$STATE_DIR/emulator.pid"
LOG_FILE="$STATE_DIR/emulator.log"
REQUIREMENTS="$INFRA_DIR/requirements.txt"
STAMP_FILE="$VENV/requirements.installed.txt"

SERVICE=snowflake-local
# shellcheck source=lib/local-service.sh
source "$SCRIPT_DIR/lib/local-service.sh"

[[ "$PORT" =~ ^[0-9]+$ ]] && (( PORT > 0 && PORT < 65536 )) ||
  die "SNOWFLAKE_LOCAL_PORT must be a port number (got '$PORT')"

# ---------------------------------------------------------------- the venv
require_python() {
  command -v "$PYTHON" >/dev/null 2>&1 ||
    die "$PYTHON not found: install Python 3.11+ (Debian: apt-get install -y python3 python3-venv) or set PYTHON"
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
    die "$("$PYTHON" --version 2>&1) found, but fakesnow needs Python 3.11 or later: set PYTHON=python3.11 (or newer)"
}

venv_ready() { [[ -x "$VENV/bin/python" ]] && cmp -s "$REQUIREMENTS" "$STAMP_FILE"; }

install_venv() {
  if venv_ready; then
    return 0
  fi
  require_python
  local t0; t0="$(now)"
  say "installing the pinned packages of infra/snowflake-emulator/requirements.txt into $VENV (first time: about a minute)"
  # From scratch, so a changed pin never leaves a package of the old set behind.
  rm -rf "$VENV"
  mkdir -p "$STATE_DIR"
  "$PYTHON" -m venv "$VENV" ||
    die "could not create a venv with $PYTHON (Debian: apt-get install -y python3-venv)"
  local pip_log="$STATE_DIR/pip-install.log"
  if ! "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input \
      -r "$REQUIREMENTS" >"$pip_log" 2>&1; then
    tail -n 30 "$pip_log" >&2 || true
    rm -rf "$VENV"
    die "pip could not install the emulator's packages (is PyPI reachable?); full output: $pip_log"
  fi
  rm -f "$pip_log"
  cp "$REQUIREMENTS" "$STAMP_FILE"
  say "installed in $(elapsed_since "$t0") s ($(du -sh "$VENV" | cut -f1))"
}

# ---------------------------------------------------------------- liveness checks
# A real HTTP round trip to a route only the shim answers ({success: true}); stdlib only, so
# it works without the venv (something else may hold the port).
answers() {
  port_open "$PORT" || return 1
  local python="$PYTHON"
  [[ -x "$VENV/bin/python" ]] && python="$VENV/bin/python"
  "$python" - "$URL" <<'EOF' >/dev/null 2>&1
import json, sys, urllib.request
request = urllib.request.Request(sys.argv[1] + "/telemetry/send", data=b"{}", method="POST",
                                 headers={"Content-Type": "application/json"})
with urllib.request.urlopen(request, timeout=3) as response:
    sys.exit(0 if json.load(response).get("success") is True else 1)
EOF
}

is_service_pid() {
  local pid="$1"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'fakesnow_json\.py'
}


print_env() {
  cat <<EOF
snowflake-local: to use it, put these lines in .env (the emulator accepts any user and password):
WAREHOUSE=snowflake
SNOW_ACCESS_URL=$URL
SNOW_ACCOUNT=local
SNOW_USER=dropship
SNOW_PASSWORD=local
EOF
}

# ---------------------------------------------------------------- commands
cmd_up() {
  local t0; t0="$(now)"
  if answers; then
    say "an emulator already answers on $URL - nothing to do"
    print_env
    return 0
  fi
  local pid; pid="$(read_pid)"
  if port_open "$PORT" && ! is_service_pid "$pid"; then
    die "port $PORT is in use by something that is not the emulator (try SNOWFLAKE_LOCAL_PORT=...)"
  fi

  install_venv
  if is_service_pid "$pid"; then
    say "emulator process $pid exists but does not answer yet; waiting for it"
  else
    say "starting the emulator on $URL (log $LOG_FILE)"
    start_detached "$VENV/bin/python" "$INFRA_DIR/fakesnow_json.py" --host "$HOST" --port "$PORT"
    pid="$STARTED_PID"
  fi

  local deadline=$(( $(date +%s) + TIMEOUT ))
  until answers; do
    die_if_exited "$pid" "the emulator"
    (( $(date +%s) < deadline )) ||
      die "the emulator does not answer on $URL after ${TIMEOUT}s; see $LOG_FILE (stop it with: $0 down)"
    sleep 0.2
  done
  say "emulator ready on $URL (pid $pid, $(elapsed_since "$t0") s)"
  print_env
}

cmd_down() {
  # Its state is in memory: it goes with the process.
  stop_service emulator "$PORT" 10
}

cmd_status() {
  local pid running=0 answering=0
  pid="$(read_pid)"
  if is_service_pid "$pid"; then running=1; fi
  if answers; then answering=1; fi

  if (( running )); then say "process: running (pid $pid)"; else say "process: not running (from $STATE_DIR)"; fi
  if (( answering )); then
    say "emulator: answering on $URL"
  elif port_open "$PORT"; then
    say "emulator: port $PORT open but no emulator answer (starting, or something else)"
  else
    say "emulator: not answering on $URL"
  fi
  (( answering ))
}

service_main "$@"
