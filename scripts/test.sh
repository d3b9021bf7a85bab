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
# The math-vs-Temml test lays both converters' MathML out in one math font (Latin Modern Math).
if ! fc-list 2>/dev/null | grep -q "Latin Modern Math"; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    { $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-lmodern; } \
        || echo "warning: could not install fonts-lmodern; math is compared in a fallback font" >&2
fi
# ... and Temml, the reference converter, into bench/node_modules (never a dependency of site_gen).
if command -v npm >/dev/null && [ ! -f bench/node_modules/temml/package.json ]; then
    npm install --prefix bench --no-audit --no-fund --silent \
        || echo "warning: could not install temml; tests/test_math_temml.py will be skipped" >&2
fi

# The accessibility tests inject axe-core (from npm) into pages of the demo site; it goes into a
# test-only folder, never into the site. Without node or the registry, those tests skip.
if [ ! -f tests/.node/node_modules/axe-core/axe.min.js ]; then
    if ! { command -v npm >/dev/null && npm install --silent --no-audit --no-fund --prefix tests/.node axe-core@4 >/dev/null; }; then
        echo "warning: could not install axe-core with npm; the accessibility tests will be skipped" >&2
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
