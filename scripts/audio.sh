#!/usr/bin/env bash
# Sourced by run.sh: make sure there is somewhere to play. With no sound card (/dev/snd) and no JACK
# server running, start JACK's dummy backend so PortAudio sees a device and the clock runs in real time.
# `livegen_run CMD...` then runs the command and, once it ends, stops the server started here (and
# only that one: its pid is in LIVEGEN_JACKD_PID), so nothing is left running behind the daemon.
LIVEGEN_JACKD_PID=""
if [ ! -d /dev/snd ] && ! jack_lsp >/dev/null 2>&1; then
    jackd --no-realtime -d dummy -r 48000 -p 256 >/tmp/livegen-jackd.log 2>&1 &
    LIVEGEN_JACKD_PID=$!
    for _ in $(seq 50); do jack_lsp >/dev/null 2>&1 && break; sleep 0.1; done
    echo "livegen: no sound card here: started a JACK dummy server (48 kHz, pid $LIVEGEN_JACKD_PID, log /tmp/livegen-jackd.log)."
    echo "livegen: audio plays into it in real time but is not audible; files are written as well."
fi

livegen_run() {
    if [ -z "$LIVEGEN_JACKD_PID" ]; then
        exec "$@"
    fi
    # Not exec: this shell stays to stop the server afterwards. Ctrl-C and SIGTERM reach the
    # command as SIGTERM (a background job ignores SIGINT), which stops it cleanly.
    "$@" &
    local child=$! status=0
    trap 'kill -TERM "$child" 2>/dev/null' INT TERM
    wait "$child" || status=$?
    while kill -0 "$child" 2>/dev/null; do wait "$child" || status=$?; done
    trap - INT TERM
    kill -TERM "$LIVEGEN_JACKD_PID" 2>/dev/null && wait "$LIVEGEN_JACKD_PID" 2>/dev/null || true
    echo "livegen: stopped the JACK dummy server (pid $LIVEGEN_JACKD_PID)."
    return "$status"
}
