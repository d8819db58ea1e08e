"""Codec decode-time table (onnxruntime CPU vs torch eager); same as `livegen bench codec`."""

import argparse
import sys

from livegen.eval import bench_codec

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=bench_codec.__doc__)
    bench_codec.add_arguments(parser)
    sys.exit(bench_codec.run(parser.parse_args()))
