"""numpy DSP shared by the corpus, the importer, evaluation and the runtime (no torch)."""
