#!/usr/bin/env bash
# Installs everything and starts the main job: the performance daemon on the shipped default model
# (internal clock at 124 BPM, OSC on 127.0.0.1:9000; Ctrl-C stops it). While the shipped package has
# no generator yet, it runs the corpus demo instead and says so. Extra arguments go to the command.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source .venv/bin/activate
source scripts/audio.sh
if grep -q '"generator"' models/default/manifest.json 2>/dev/null; then
    echo "livegen: starting the daemon on models/default (internal clock; send OSC to 127.0.0.1:9000)"
    livegen_run livegen serve --model models/default --clock internal --bpm 124 "$@"
    exit
fi
echo "livegen: models/default has no generator yet: running the corpus demo instead"
livegen_run livegen demo "$@"
