"""Prompt embedding latency table; same as `livegen bench concept` once that command is wired."""

import argparse
import sys

from livegen.eval import bench_concept as bench

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=bench.__doc__)
    bench.add_arguments(parser)
    sys.exit(bench.run(parser.parse_args()))
