#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what the tests need into
# .venv, then lints, type-checks and runs pytest. CI (.ci/run) calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

# The live-reload tests drive a real headless Chromium: Debian's, installed when missing.
# Should that fail (no root, no sudo, no network), say so: those tests then skip, loudly.
if ! command -v chromium >/dev/null; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    if ! { $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }; then
        echo "warning: could not install Debian's chromium; the browser tests will be skipped" >&2
    fi
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'

echo "== ruff"
.venv/bin/ruff check site_gen tests
.venv/bin/ruff format --check site_gen tests
echo "== mypy"
.venv/bin/mypy
echo "== pytest"
.venv/bin/python -m pytest "$@"
