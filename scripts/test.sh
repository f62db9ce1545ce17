#!/usr/bin/env bash
# The whole test suite: lint, then pytest (unit, server and browser tests).
# Installs what the tests need that pip cannot (headless Chromium) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}

if ! command -v chromium >/dev/null 2>&1 || ! command -v dot >/dev/null 2>&1; then
    echo "installing chromium and graphviz (Debian packages) ..."
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        chromium graphviz fonts-dejavu-core >/dev/null
fi

"$BIN/ruff" check kgtool tests bench scripts
"$BIN/ruff" format --check kgtool tests bench scripts
"$BIN/mypy"  # kgtool/, as configured in pyproject.toml (strict on the public API)

# A real Oxigraph server for the remote-store tests, on a free loopback port.
OXI_DIR=$(mktemp -d)
PORT=$("$BIN/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$BIN/oxigraph" serve --location "$OXI_DIR/db" --bind "127.0.0.1:$PORT" --union-default-graph \
    >"$OXI_DIR/server.log" 2>&1 &
OXI_PID=$!
stop_server() { kill "$OXI_PID" 2>/dev/null || true; wait "$OXI_PID" 2>/dev/null || true; rm -rf "$OXI_DIR"; }
trap stop_server EXIT
for _ in $(seq 1 100); do
    if "$BIN/python" -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$PORT/query?query=ASK%7B%7D', timeout=1)" 2>/dev/null; then
        break
    fi
    sleep 0.1
done
export KGTOOL_TEST_SERVER="http://127.0.0.1:$PORT"
echo "oxigraph server ready at $KGTOOL_TEST_SERVER"

status=0
"$BIN/pytest" "$@" || status=$?
stop_server
trap - EXIT
exit "$status"
