#!/usr/bin/env python3
"""Time the ResNet50 of a Keras weights file in onnxruntime (CPU), on its own.

Usage:
    python python/onnx_bench.py --weights FILE.h5 [--variant tutorial|keras-applications]
                                [--runs N] [--threads T] [--image PATH] [--json] [--save-onnx OUT.onnx]

What is timed: one forward pass of one image, batch 1, input the preprocessed NHWC float32 tensor
[1, 224, 224, 3] (exactly what Keras's `model.predict` takes), output the 1000 softmax probabilities.
The graph (reslab_oracle.onnx_graph.build) is built from the HDF5 file before timing; the session
uses the CPU provider, `intra_op_num_threads = T` (default 2), `inter_op_num_threads = 1`,
sequential execution and graph optimisation level ORT_ENABLE_ALL. One untimed warm-up run, then N
timed runs (default 20) of `session.run`, each measured with time.perf_counter.
The input is the image given with --image (Keras preprocessing, caffe mode), or else a seeded random
tensor in the caffe value range (the data do not change the timing).

Output (stable; the Swift side parses it). Exactly one line on stdout, times in milliseconds with
three decimals:

    onnxruntime_median_ms=41.234 min_ms=40.002 max_ms=45.678

or, with --json, exactly one JSON object on one line:

    {"onnxruntime_median_ms": 41.234, "min_ms": 40.002, "max_ms": 45.678, "runs": 20, "threads": 2,
     "variant": "tutorial", "onnxruntime_version": "1.32.0"}

`reslab bench --compare onnxruntime` uses python/peer_bench.py instead, which times blocks of runs
in turns with reslab.

Errors (unreadable file, a file without the classifier layer, bad arguments): one line on stderr
starting with "onnx_bench: ", nothing on stdout, exit status 1 (2 for bad arguments).
"""
import argparse
import json
import os
import pathlib
import statistics
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))  # for reslab_oracle, from any cwd


def main(argv=None):
    parser = argparse.ArgumentParser(prog="onnx_bench.py", description="Time ResNet50 in onnxruntime (CPU).")
    parser.add_argument("--weights", required=True, help="Keras HDF5 weights file")
    parser.add_argument("--variant", choices=("tutorial", "keras-applications"),
                        help="default: detected from the layer names")
    parser.add_argument("--runs", type=int, default=20, help="timed runs after one warm-up (default 20)")
    parser.add_argument("--threads", type=int, default=2, help="intra-op threads (default 2)")
    parser.add_argument("--image", help="time this image instead of a random input")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of key=value")
    parser.add_argument("--save-onnx", metavar="OUT", help="also write the ONNX model to OUT")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.threads < 1:
        parser.error("--runs and --threads must be at least 1")

    import numpy as np
    import onnx
    import onnxruntime as ort

    import reslab_oracle
    from reslab_oracle import onnx_graph

    try:
        weights = onnx_graph.read_keras_weights(args.weights)
        variant = args.variant or reslab_oracle.detect_variant(weights)
        model = onnx_graph.build(args.weights, variant)
        if args.save_onnx:
            onnx.save(model, args.save_onnx)
        session = onnx_graph.session(model, threads=args.threads)
        if args.image:
            x = onnx_graph.preprocess_image(args.image)
        else:
            x = np.random.default_rng(0).uniform(-124.0, 152.0, (1, 224, 224, 3)).astype(np.float32)
    except (onnx_graph.WeightsError, ValueError, OSError) as error:
        print(f"onnx_bench: {error}".replace("\n", " "), file=sys.stderr)
        return 1

    feed = {"input": x}
    session.run(None, feed)  # warm-up: allocations, kernel selection
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        session.run(None, feed)
        times.append((time.perf_counter() - start) * 1000.0)
    median, low, high = statistics.median(times), min(times), max(times)
    if args.json:
        print(json.dumps({
            "onnxruntime_median_ms": round(median, 3), "min_ms": round(low, 3), "max_ms": round(high, 3),
            "runs": args.runs, "threads": args.threads, "variant": variant,
            "onnxruntime_version": ort.__version__,
        }))
    else:
        print(f"onnxruntime_median_ms={median:.3f} min_ms={low:.3f} max_ms={high:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
