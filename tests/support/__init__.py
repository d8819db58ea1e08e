"""Helpers the test folders share (fakes, JACK and port helpers, loop files, Pd patches)."""
