#!/usr/bin/env bash
# Sourced by run.sh: make sure there is somewhere to play. With no sound card (/dev/snd) and no JACK
# server running, start JACK's dummy backend so PortAudio sees a device and the clock runs in real time.
if [ ! -d /dev/snd ] && ! jack_lsp >/dev/null 2>&1; then
    jackd --no-realtime -d dummy -r 48000 -p 256 >/tmp/livegen-jackd.log 2>&1 &
    for _ in $(seq 50); do jack_lsp >/dev/null 2>&1 && break; sleep 0.1; done
    echo "livegen: no sound card here: started a JACK dummy server (48 kHz, pid $!, log /tmp/livegen-jackd.log)."
    echo "livegen: audio plays into it in real time but is not audible; files are written as well."
fi
