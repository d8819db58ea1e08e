#!/usr/bin/env bash
# Installs everything and starts the main job. Until the generator ships, that is the corpus demo:
# synthesise loops, write a listening reel and contact sheet, play the reel. Extra arguments go to it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source .venv/bin/activate
source scripts/audio.sh
exec livegen demo "$@"
