"""livegen: a real-time generative techno loop server (IADB latent diffusion, MIDI clock, OSC)."""

__version__ = "0.1.0"

# Model rate of everything livegen synthesises and learns from.
SAMPLE_RATE = 24_000
