"""A survey of hostile input: seeded families of cells, images and weight files thrown at `reslab`,
each run alone under a time limit with its peak memory measured, and one table of what went wrong.

    python -m reslab_oracle.survey --reslab .build/release/reslab [--seed N] [--scale 1.0] [--no-weights]

Families (each input made afresh from the seed, with new numbers each seed):
- cells: a pathological cell (chains of signs, operators, attributes, subscripts and calls, `%time`
  inside `%time`, nested blocks, lists nested in a loop, continuation lines, huge sizes in layers,
  `target_size`, `%random_weights`, `predict`, random bytes) between two good lines, through a pipe;
  the session must go on to print the last line.
- images: the sample images with header fields rewritten, bytes flipped, chunks lengthened and the
  file cut short, through `reslab image`.
- weights: a seeded file written by tf-keras, with bits flipped anywhere and datasets re-declared with
  absurd shapes, through `reslab classify --json` (needs tf-keras and h5py; `--no-weights` skips it).

A run fails the survey if a signal ends it (crash), it outlives the time limit (hang) or takes over
10 s (slow), its peak
resident size passes 1 GB, it ends otherwise than with status 0, or 1 and exactly one `error:` line
(for cells: the session must also go on), or `--json` prints what is not JSON. Prints a Markdown table;
exits 1 if any run failed.
"""
import argparse
import json
import os
import pathlib
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import time

from reslab_oracle.measure import run_measured

ROOT = pathlib.Path(__file__).resolve().parents[2]
IMAGES = ROOT / "Lessons" / "images"
TIME_LIMIT = 60  # past this a run is a hang, and killed
SLOW = 10  # past this a run is too slow
ONE_GB_KB = 1 << 20


def big(rng):
    """A size that breaks arithmetic or memory: powers of two and ten near the limits, Int.max."""
    return rng.choice([2**31 + rng.randrange(3) - 1, 2**33, 2**40 + 1, 2**62, 2**63 - 1, 10**9, 10**12,
                       100_000 + rng.randrange(1000), 16385, -rng.randrange(1, 10**6), 0])


def cells(rng, count):
    """(name, cell) pairs: `count` hostile cells drawn from templates with seeded numbers."""
    def chain():
        n = rng.randrange(1_000, 150_000)
        token = rng.choice(["+", "-", "not ", "~"])
        return f"{token * n}1"

    def nested_blocks():
        depth = rng.randrange(65, 400)
        return "\n".join(" " * i + "if 1:" for i in range(depth)) + "\n" + " " * depth + "pass\n"

    templates = {
        "sign chain": chain,
        "operator chain": lambda: "+".join(["1"] * rng.randrange(1_000, 150_000)),
        "attribute chain": lambda: "x" + ".shape" * rng.randrange(1_000, 150_000),
        "subscript chain": lambda: "x" + "[0]" * rng.randrange(1_000, 150_000),
        "call chain": lambda: "x" + "()" * rng.randrange(1_000, 150_000),
        "bracket nesting": lambda: "(" * (n := rng.randrange(100, 100_000)) + "1" + ")" * n,
        "%time chain": lambda: "%time " * rng.randrange(11, 30_000) + "1",
        "nested blocks": nested_blocks,
        "list nested in a loop": lambda: f"y = 1\nfor i in range({rng.randrange(201, 10**6)}):\n    y = [y]\n",
        "continuation lines": lambda: "z = (" + "1,\n" * rng.randrange(1_000, 60_000) + ")\n",
        "padding": lambda: f"ZeroPadding2D(({big(rng)}, {big(rng)}))(x)",
        "huge input then conv": lambda: f"h = Input(shape=({big(rng)}, 8, 3))\nConv2D(1, (1, 1), padding='same')(h)\n",
        "huge flatten": lambda: f"Flatten()(Input(shape=({big(rng)}, {big(rng)}, {big(rng)})))",
        "huge dense model": lambda: f"d = Dense({big(rng)})(Input(shape=(4,)))\nm = Model(x, d)\n",
        "huge conv flops": lambda: f"c = Conv2D({big(rng)}, (3, 3))(x)\nm = Model(x, c)\n%flops m\n",
        "huge kernel or stride": lambda: f"MaxPooling2D(({big(rng)}, 2), strides=({big(rng)}, 1), padding='same')(x)",
        "target size": lambda: f"image.load_img('{IMAGES / 'chelsea.png'}', target_size=({big(rng)}, {big(rng)}))",
        "random weights": lambda: f"m = ResNet50(classes={big(rng)})\n%random_weights m\n",
        "huge resnet": lambda: f"m = ResNet50(input_shape=({big(rng)}, {big(rng)}, 3))\n%random_weights m\n",
        "predict through padding": lambda: (
            f"p = ZeroPadding2D(({rng.randrange(10**4, 10**6)}, 2))(x)\nm = Model(x, p)\n%random_weights m\n"
            "m.predict(np.zeros((1, 4, 4, 3)))\n"),
        "random bytes": lambda: bytes(rng.randrange(256) for _ in range(rng.randrange(1, 5000))).decode("latin-1"),
    }
    names = sorted(templates)
    return [(name, templates[name]()) for name in (rng.choice(names) for _ in range(count))]


def image_variants(rng, count, directory):
    """Paths of `count` damaged copies of the sample images."""
    originals = sorted(p for p in IMAGES.iterdir() if p.suffix in (".png", ".jpg"))
    paths = []
    for index in range(count):
        source = rng.choice(originals)
        data = bytearray(source.read_bytes())
        how = rng.choice(["flip header", "flip anywhere", "cut", "dimensions", "chunk length", "repeat scan"])
        if how == "flip header":
            for _ in range(rng.randrange(1, 8)):
                data[rng.randrange(min(len(data), 2048))] ^= 1 << rng.randrange(8)
        elif how == "flip anywhere":
            for _ in range(rng.randrange(1, 64)):
                data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        elif how == "cut":
            data = data[:rng.randrange(len(data))]
        elif how == "dimensions":
            at = data.find(b"IHDR") + 4 if source.suffix == ".png" else data.find(b"\xff\xc0") + 5
            if at > 4:
                struct.pack_into(">HH" if source.suffix == ".jpg" else ">II", data, at,
                                 *(rng.choice([0, 1, 16384, 16385, 65535]) for _ in range(2)))
        elif how == "chunk length" and source.suffix == ".png":
            at = data.find(b"IDAT") - 4
            struct.pack_into(">I", data, at, rng.choice([0, 1, 2**31 - 1, 2**32 - 1, rng.randrange(2**31)]))
        elif how == "repeat scan" and source.suffix == ".jpg":
            start = data.find(b"\xff\xda")
            data = data[:start] + data[start:start + rng.randrange(20, 400)] * rng.randrange(10, 3000) + data[start:]
        path = directory / f"image-{index}{source.suffix}"
        path.write_bytes(bytes(data))
        paths.append((how, path))
    return paths


def weight_variants(rng, count, directory):
    """Paths of `count` damaged copies of a tf-keras-written seeded weight file."""
    import h5py
    import numpy as np

    valid = directory / "valid.h5"
    subprocess.run([sys.executable, "-m", "reslab_oracle.make_weights", "--variant", "tutorial", "--seed",
                    str(rng.randrange(1000)), "--out", str(valid)], check=True, cwd=ROOT / "python",
                   capture_output=True)
    with h5py.File(valid, "r") as f:
        datasets = []
        f.visititems(lambda name, item: datasets.append(name) if isinstance(item, h5py.Dataset) else None)
    size = valid.stat().st_size
    paths = []
    for index in range(count):
        path = directory / f"weights-{index}.h5"
        shutil.copyfile(valid, path)
        how = rng.choice(["flip bits", "flip metadata", "absurd shape", "non-finite"])
        if how in ("flip bits", "flip metadata"):
            with open(path, "r+b") as f:
                for _ in range(rng.randrange(1, 8)):
                    at = rng.randrange(size if how == "flip bits" else min(size, 1 << 16))
                    f.seek(at)
                    byte = f.read(1)[0]
                    f.seek(at)
                    f.write(bytes([byte ^ (1 << rng.randrange(8))]))
        else:
            name = rng.choice(datasets)
            with h5py.File(path, "r+") as f:
                if how == "absurd shape":
                    del f[name]
                    shape = tuple(abs(big(rng)) or 1 for _ in range(rng.randrange(1, 5)))
                    chunks = tuple(min(s, 64) for s in shape) if rng.random() < 0.5 else None
                    try:
                        f.create_dataset(name, shape=shape, dtype="f4", chunks=chunks)
                    except ValueError:  # too large for HDF5 itself without chunks
                        f.create_dataset(name, shape=shape, dtype="f4", chunks=tuple(min(s, 64) for s in shape))
                else:
                    data = f[name][...].reshape(-1)
                    data[rng.randrange(len(data))] = rng.choice([np.nan, np.inf, -np.inf, 3e38])
                    f[name][...] = data.reshape(f[name].shape)
        paths.append((how, path))
    return paths


def verdict(status, stdout, stderr, peak, cell=False, json_output=False):
    """What went wrong with one run, or None."""
    if status < 0:
        return "crash"
    if peak > ONE_GB_KB:
        return "> 1 GB"
    errors = [line for line in (stdout + stderr).splitlines() if "error:" in line]
    if cell:
        return None if stdout.rstrip().endswith("still here") and status in (0, 1) else "session lost"
    if status not in (0, 1) or (status == 1 and len(errors) != 1):
        return "not one error line"
    if json_output and status == 0:
        try:
            json.loads(stdout)
        except ValueError:
            return "invalid JSON"
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reslab", default=str(ROOT / ".build" / "release" / "reslab"))
    parser.add_argument("--seed", type=int, default=int(time.time()) % 100_000)
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every family's count")
    parser.add_argument("--no-weights", action="store_true", help="skip the weight files (no tf-keras needed)")
    parser.add_argument("--keep", type=pathlib.Path, help="copy each input that failed into this folder")
    options = parser.parse_args()
    rng = random.Random(options.seed)
    counts = {family: max(1, round(n * options.scale)) for family, n in
              (("cells", 200), ("images", 300), ("weights", 60))}
    rows, failures = [], []
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = pathlib.Path(scratch)
        env = dict(os.environ, XDG_CACHE_HOME=str(scratch / "cache"), XDG_STATE_HOME=str(scratch / "state"),
                   RESLAB_MEMORY_LIMIT="12G")
        families = {
            "cells": [(name, ([options.reslab], ("import numpy as np\nx = Input(shape=(4, 4, 3))\n" + cell + "\nprint('still here')\n")
                              .encode("utf-8", "surrogateescape"), True, False))
                      for name, cell in cells(rng, counts["cells"])],
            "images": [(how, ([options.reslab, "image", path], b"", False, False))
                       for how, path in image_variants(rng, counts["images"], scratch)],
        }
        if not options.no_weights:
            chelsea = IMAGES / "chelsea.png"
            families["weights"] = [
                (how, ([options.reslab, "classify", chelsea, "--weights", path, "--json"], b"", False, True))
                for how, path in weight_variants(rng, counts["weights"], scratch)]
        for family, runs in families.items():
            tally = {"tried": 0, "crash": 0, "hang": 0, "> 1 GB": 0, "other": 0}
            slowest = 0.0
            for name, (args, stdin, cell, json_output) in runs:
                tally["tried"] += 1
                begun = time.monotonic()
                try:
                    outcome = verdict(*run_measured(args, stdin=stdin, env=env, cwd=scratch, timeout=TIME_LIMIT),
                                      cell=cell, json_output=json_output)
                except subprocess.TimeoutExpired:
                    outcome = "hang"
                took = time.monotonic() - begun
                slowest = max(slowest, took)
                if outcome is None and took > SLOW:
                    outcome = f"slow ({took:.0f} s)"
                if outcome:
                    tally[outcome if outcome in tally else "other"] += 1
                    kept = ""
                    if options.keep:
                        options.keep.mkdir(parents=True, exist_ok=True)
                        kept = options.keep / f"{family}-{len(failures)}"
                        inputs = [pathlib.Path(a) for a in args if str(a).startswith(str(scratch))]
                        if inputs:
                            kept = kept.with_suffix(inputs[0].suffix)
                            shutil.copyfile(inputs[0], kept)
                        else:
                            kept.with_suffix(".py").write_bytes(stdin)
                        kept = f" (kept in {kept})"
                    failures.append(f"{family} / {name}: {outcome}{kept}")
            rows.append((family, tally, slowest))
    print(f"survey seed {options.seed}, {time.monotonic() - started:.0f} s\n")
    print("| family | tried | crash | hang | > 1 GB | other failure | slowest run |")
    print("|---|---|---|---|---|---|---|")
    for family, tally, slowest in rows:
        print(f"| {family} | {tally['tried']} | {tally['crash']} | {tally['hang']} | {tally['> 1 GB']} "
              f"| {tally['other']} | {slowest:.1f} s |")
    for failure in failures:
        print(failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
