"""Corpus synthesis throughput table; same as `livegen bench corpus`."""

import sys

from livegen.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", "corpus", *sys.argv[1:]]))
