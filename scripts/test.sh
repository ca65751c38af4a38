#!/usr/bin/env bash
# Install everything the tests need on a fresh machine and run the whole suite.
#
#   bash scripts/test.sh [pytest args...]
#
# - a virtual environment in .venv with netinv and its test extras (versions pinned by constraints.txt);
# - ruff over the code (pycodestyle and pyflakes rules, pyproject.toml), failing fast;
# - Debian's chromium and CJK fonts for the browser tests (apt; sudo when not root);
# - the real Neo4j server (scripts/neo4j-local), started for the run and stopped afterwards;
# - then pytest over tests/ (notebooks included), with the datasets in ../shared/datasets required.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

log() { printf '\n== %s\n' "$*"; }

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  log "creating .venv"
  "$PY" -m venv .venv
fi
log "installing netinv and test dependencies"
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -c constraints.txt -e ".[test]"

log "lint (ruff, settings in pyproject.toml)"
.venv/bin/ruff check netinv tests benchmarks examples

if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "noto sans cjk"; then
  log "installing chromium and CJK fonts (Debian packages)"
  SUDO=""
  if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk >/dev/null
fi

export NETINV_REQUIRE_BROWSER=1
export NETINV_REQUIRE_DATASETS=1
export NETINV_CHROMIUM=${NETINV_CHROMIUM:-$(command -v chromium)}
export OMP_WAIT_POLICY=PASSIVE

if [ -x scripts/neo4j-local ]; then
  log "starting Neo4j (scripts/neo4j-local)"
  export NETINV_NEO4J_HOME=${NETINV_NEO4J_HOME:-$ROOT/.neo4j}
  neo4j_env=$(scripts/neo4j-local start) || { echo "scripts/neo4j-local could not start Neo4j (see above)" >&2; exit 1; }
  eval "$neo4j_env"
  trap 'scripts/neo4j-local stop >/dev/null 2>&1 || true' EXIT
  export NETINV_TEST_NEO4J_URI=$NETINV_NEO4J_URI
  export NETINV_REQUIRE_NEO4J=1
fi

log "running the test suite"
.venv/bin/python -m pytest "$@"
