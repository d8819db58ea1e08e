"""livegen's tests: one folder per package, shared helpers in `tests.support`."""
