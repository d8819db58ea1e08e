"""Audio: the bar player used by the real-time callback, resampling, device output, recording."""
