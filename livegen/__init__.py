"""livegen: a real-time generative techno loop server (IADB latent diffusion, MIDI clock, OSC)."""

from livegen.units import SAMPLE_RATE  # re-exported: `from livegen import SAMPLE_RATE`

__version__ = "0.1.0"
__all__ = ["SAMPLE_RATE", "__version__"]
