"""Training, export and evaluation of livegen's models: torch lives here, never in the runtime."""
