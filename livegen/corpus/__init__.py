"""The training corpus: synthesised techno loops, the importer for your own loops, previews."""
