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

"$BIN/ruff" check kgtool tests bench
"$BIN/pytest" "$@"
