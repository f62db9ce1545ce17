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

# Real SPARQL servers for the remote-store tests, each on free loopback ports:
# Oxigraph with and without a union default graph, and Virtuoso.
SERVERS_DIR=$(mktemp -d)
PIDS=()
free_port() { "$BIN/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
stop_servers() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$SERVERS_DIR"
}
trap stop_servers EXIT
wait_for() {  # URL SECONDS: until the server answers ASK {}
    for _ in $(seq 1 $(($2 * 10))); do
        if "$BIN/python" -c "import urllib.request,sys; urllib.request.urlopen('$1?query=ASK%7B%7D', timeout=1)" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "no SPARQL server at $1 after $2 s" >&2
    return 1
}
start_oxigraph() {  # NAME [--union-default-graph]: prints the base URL
    local port
    port=$(free_port)
    "$BIN/oxigraph" serve --location "$SERVERS_DIR/$1" --bind "127.0.0.1:$port" "${@:2}" \
        >"$SERVERS_DIR/$1.log" 2>&1 &
    PIDS+=($!)
    wait_for "http://127.0.0.1:$port/query" 30
    OXI_URL="http://127.0.0.1:$port"
}
start_oxigraph union --union-default-graph
export KGTOOL_TEST_SERVER=$OXI_URL
start_oxigraph plain
export KGTOOL_TEST_SERVER_PLAIN=$OXI_URL
echo "oxigraph servers ready at $KGTOOL_TEST_SERVER (union default graph), $KGTOOL_TEST_SERVER_PLAIN (plain)"

if ! command -v virtuoso-t >/dev/null 2>&1; then
    echo "installing virtuoso-opensource (Debian package) ..."
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        virtuoso-opensource >/dev/null
fi
VT_DIR="$SERVERS_DIR/virtuoso"
mkdir -p "$VT_DIR"
VT_HTTP=$(free_port)
VT_SQL=$(free_port)
sed -e "s|@DIR@|$VT_DIR|g" -e "s|@HTTP@|$VT_HTTP|g" -e "s|@SQL@|$VT_SQL|g" \
    tests/servers/virtuoso.ini >"$VT_DIR/virtuoso.ini"
(cd "$VT_DIR" && exec virtuoso-t +foreground +configfile "$VT_DIR/virtuoso.ini") \
    >"$VT_DIR/server.log" 2>&1 &
PIDS+=($!)
wait_for "http://127.0.0.1:$VT_HTTP/sparql" 120
export KGTOOL_TEST_VIRTUOSO="http://127.0.0.1:$VT_HTTP/sparql"
echo "virtuoso ready at $KGTOOL_TEST_VIRTUOSO"

status=0
"$BIN/pytest" "$@" || status=$?
stop_servers
trap - EXIT
exit "$status"
