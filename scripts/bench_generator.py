"""Generator bar-time table (onnxruntime vs torch eager); same as `livegen bench generator`."""

import argparse
import sys

from livegen.eval import bench_generator

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=bench_generator.__doc__)
    bench_generator.add_arguments(parser)
    sys.exit(bench_generator.run(parser.parse_args()))
