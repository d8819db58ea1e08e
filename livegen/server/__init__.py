"""The daemon (`livegen serve`): wiring, bar scheduling, audio output, OSC shell, status, recording.

Modules, in dependency order (pure logic first, I/O shells last):

- `source.py`: the `BarSource` protocol the scheduler needs (one bar of 24 kHz audio per request)
  and its implementations: `GeneratorSource` (the ONNX generator), `LoopSource` (corpus loops,
  no model), `Delayed` (a deliberately slow wrapper for fault tests and benchmarks).
- `scheduler.py`: when to start bar N+1, with which snapshot; redo; lateness. Pure, virtual time.
- `timebase.py`: the audio callback's observations → a map from output frames to clock time.
- `producer.py`: one generation step (schedule → render → fit → queue), time injected.
- `output.py`, `recorder.py`: the sounddevice stream and its real-time callback, the WAV/FLAC
  writer fed from a ring.
- `oscserver.py`, `control.py`, `status.py`: the UDP shell, commands/replies/beats, the status line.
- `daemon.py`: the threads; `serve.py`: `add_arguments(parser)` and `run(args)` for `livegen serve`.

Importing this package opens nothing and imports neither sounddevice nor onnxruntime.
"""
