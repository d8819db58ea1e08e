"""The daemon (`livegen serve`) and its offline twin (`livegen render`).

- `pipeline/`: bars from request to queue. `source.py` (the `BarSource` protocol: the generator,
  corpus loops, a slow wrapper for fault tests), `scheduler.py` (when to start bar N+1 with which
  snapshot; redo; lateness; pure, virtual time), `producer.py` (one step: schedule → render → fit
  once → queue), `concepts.py` (the thread that embeds prompts).
- `audio/`: `player.py` (bars at exact output frames, crossfades, real-time rules), `output.py`
  (the sounddevice stream and its callback), `timebase.py` (callback observations → output frame
  to clock time), `recorder.py`, `watchdog.py` (device loss).
- `desk/`: what the performer talks to. The control thread: `handler.py` (commands → session
  and settings; refusals answered once), `clockdesk.py` with `switching.py` (the clock's
  transport verbs, `/livegen/clock`, the clock's state as status and OSCQuery report it),
  `replies.py` (answers, subscribers, beats, notices), composed by `control.py`'s `Controller`;
  the OSC server and OSCQuery, MIDI control, the clock sources `/livegen/clock` builds
  (`clocks.py`), the status line.
- `daemon.py` (the threads and who owns what), `serve.py` (options → a running daemon),
  `options.py`, `resume.py` (re-exec after device loss), `render.py` (bars to a file through
  the same player).

Importing this package opens nothing and imports neither sounddevice nor onnxruntime.
"""
