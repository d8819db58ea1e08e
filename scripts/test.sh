#!/usr/bin/env bash
# The whole test suite: setup, lint, format check, type check, tests. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source .venv/bin/activate
ruff check livegen tests scripts patches
ruff format --check livegen tests scripts patches
mypy livegen
# pytest exits 5 when it collected no test: set -e turns that into a failure too.
pytest "$@"
