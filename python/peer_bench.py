#!/usr/bin/env python3
"""One peer of `reslab bench --compare` (onnxruntime or OpenVINO), timing blocks of runs on request.

Usage:
    python python/peer_bench.py --peer onnxruntime|openvino --weights FILE.h5 [--threads T] [--batch N]

Both peers run the same ONNX graph and weights (reslab_oracle.onnx_graph.build, NCHW input
[N, 3, 224, 224], f32), built from the Keras HDF5 file before timing, on a seeded random input:
* onnxruntime: CPU provider, `intra_op_num_threads = T`, sequential, ORT_ENABLE_ALL, and
  `session.intra_op.allow_spinning = 0` so that its workers sleep while reslab runs
  (PEER_BENCH_SPINNING=1 in the environment leaves onnxruntime's default, spinning).
* openvino: CPU device, `INFERENCE_NUM_THREADS = T`, `ENABLE_HYPER_THREADING` on, `NUM_STREAMS` 1,
  `INFERENCE_PRECISION_HINT` f32.

Protocol (stdout, one JSON object a line; `reslab bench` reads it): after one untimed warm-up run,
    {"peer": "openvino", "version": "2026.4.1-...", "settings": "..."}
then each line "run K" on stdin is answered with the K runs' milliseconds, timed with
time.perf_counter:
    {"ms": [12.345, 12.301]}
until EOF or "quit".

Errors: a peer whose package is missing gives one line on stderr, e.g.
"openvino is not installed: pip install openvino", and exit status 3; other errors (unreadable
file, a file without the classifier layer) one line starting with "peer_bench: " and status 1.
"""
import argparse
import io
import json
import os
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))  # for reslab_oracle, from any cwd


def _onnxruntime(model, threads):
    """A function running one batch in onnxruntime, its version and settings."""
    import onnxruntime as ort

    from reslab_oracle import onnx_graph

    spinning = os.environ.get("PEER_BENCH_SPINNING") == "1"
    session = onnx_graph.session(model, threads=threads, spinning=spinning)
    settings = f"intra_op_num_threads={threads}, sequential, ORT_ENABLE_ALL, allow_spinning={int(spinning)}"
    return (lambda x: session.run(None, {"input": x})), ort.__version__, settings


def _openvino(model, threads):
    """A function running one batch in OpenVINO, its version and settings."""
    import openvino as ov

    core = ov.Core()
    config = {"INFERENCE_NUM_THREADS": threads, "ENABLE_HYPER_THREADING": True, "NUM_STREAMS": 1,
              "INFERENCE_PRECISION_HINT": "f32"}
    compiled = core.compile_model(core.read_model(io.BytesIO(model.SerializeToString())), "CPU", config)
    request = compiled.create_infer_request()
    shown = {key: compiled.get_property(key) for key in config}
    settings = ", ".join(f"{key}={getattr(value, 'to_string', lambda: value)()}" for key, value in shown.items())
    return (lambda x: request.infer({0: x})), ov.__version__, settings


# The peers: the module that must import, the pip package that provides it, and how to start it.
PEERS = {
    "onnxruntime": ("onnxruntime", "onnxruntime", _onnxruntime),
    "openvino": ("openvino", "openvino", _openvino),
}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="peer_bench.py", description="Time ResNet50 in a peer, in blocks.")
    parser.add_argument("--peer", required=True, choices=sorted(PEERS))
    parser.add_argument("--weights", required=True, help="Keras HDF5 weights file")
    parser.add_argument("--threads", type=int, default=2, help="threads (default 2)")
    parser.add_argument("--batch", type=int, default=1, help="images a run (default 1)")
    args = parser.parse_args(argv)
    if args.threads < 1 or args.batch < 1:
        parser.error("--threads and --batch must be at least 1")

    module, package, start = PEERS[args.peer]
    try:
        __import__(module)
        import numpy as np

        from reslab_oracle import onnx_graph
    except ImportError:
        print(f"{args.peer} is not installed: pip install {package}", file=sys.stderr)
        return 3

    try:
        model = onnx_graph.build(args.weights, layout="nchw", batch=args.batch)
        run, version, settings = start(model, args.threads)
    except (onnx_graph.WeightsError, ValueError, OSError) as error:
        print(f"peer_bench: {error}".replace("\n", " "), file=sys.stderr)
        return 1
    x = np.random.default_rng(0).uniform(-124.0, 152.0, (args.batch, 3, 224, 224)).astype(np.float32)
    run(x)  # warm-up: allocations, kernel selection
    print(json.dumps({"peer": args.peer, "version": version, "settings": settings}), flush=True)
    for line in sys.stdin:
        words = line.split()
        if words == ["quit"]:
            break
        if len(words) != 2 or words[0] != "run" or not words[1].isdigit():
            print(f"peer_bench: expected 'run K', got {line.strip()!r}", file=sys.stderr)
            return 1
        times = []
        for _ in range(int(words[1])):
            start_time = time.perf_counter()
            run(x)
            times.append(round((time.perf_counter() - start_time) * 1000.0, 3))
        print(json.dumps({"ms": times}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
