#!/usr/bin/env bash
# Installs everything livegen needs on Debian (as root): system packages when missing, then a venv in .venv
# with the runtime, training/export and dev dependencies. Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

# libportaudio2: sounddevice; libsndfile1: soundfile; jackd2 + jack-midi-clock + liblo-tools + puredata-core:
# the real audio/MIDI/OSC peers the tests start; python3-venv: Debian splits venv out of python3;
# sonic-pi-samples + lmms-common: 40 real sample-pack loops (FLAC, OGG) the importer is tested on.
SYSTEM_PACKAGES=(libportaudio2 libsndfile1 jackd2 jack-midi-clock liblo-tools puredata-core python3-venv
    sonic-pi-samples lmms-common)

missing=()
for pkg in "${SYSTEM_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
        echo "livegen setup: please install these system packages first: ${missing[*]}" >&2
        exit 1
    fi
    echo "livegen setup: installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # jackd2 asks whether to enable realtime priority; answer for it.
    echo "jackd2 jackd/tweak_rt_limits boolean false" | debconf-set-selections 2>/dev/null || true
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
if ! $PYTHON -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "livegen setup: needs Python 3.11 or newer as '$PYTHON' (set PYTHON=... to choose one)" >&2
    exit 1
fi
if [ ! -x .venv/bin/python ]; then
    echo "livegen setup: creating .venv with $($PYTHON --version)"
    $PYTHON -m venv .venv
fi
stamp=.venv/.livegen-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "livegen setup: installing Python packages (runtime + train + dev; torch 2.11 is ~4.7 GB)"
    # Quiet on success, the whole log on failure (pip and setuptools are chatty here).
    log=.venv/pip-install.log
    if ! { .venv/bin/python -m pip install --upgrade pip && .venv/bin/python -m pip install -e ".[train,dev]"; } >"$log" 2>&1; then
        grep -v "is ignored: it is neither" "$log" | tail -40 >&2
        echo "livegen setup: pip install failed (full log: $log)" >&2
        exit 1
    fi
    echo "$want" >"$stamp"
fi
