"""`reslab classify` against Keras itself, on seeded random weights of both ResNet50 variants.

For each variant (the tutorial's ResNet50 and tf_keras.applications.ResNet50) the session writes a
weights file with `model.save_weights` (python/reslab_oracle/make_weights.py, seeds in
reslab_oracle.FIXTURE_SEEDS) and computes Keras's probabilities for every sample image the tutorial's
way (load_img -> img_to_array -> expand_dims -> preprocess_input -> predict -> decode_predictions).
Then reslab runs once per variant and output mode, with all images at once, and must agree:

* `--json --all-probs`: all 1000 probabilities within TOLERANCE (max abs diff), the same top-5
  indices in the same order, wnid and label from the ImageNet class index;
* text: the tutorial's `Predicted: [[('n0…', 'label', p), …]]` for every image, in argument order
  (one line per image, or one batch line), with decode_predictions's wnids and labels in order and
  the printed probabilities within TOLERANCE;
* a file without the classifier (`make_weights --notop`) and a file of random bytes: non-zero exit,
  one line on stderr (for the notop file naming the file and the missing classifier), no stack dump.

Run: `swift build` then `python -m pytest tests/test_oracle_classify.py` (or set RESLAB_BIN).
Needs python/requirements-test.txt. Takes ~30 s plus reslab's own run time
(TensorFlow import, two seeded weight files and Keras's 12 predictions, two --notop files).
"""
import json
import os
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "python"))

import reslab_oracle  # noqa: E402  (light: TensorFlow is imported by the fixtures, not at collection)

TOLERANCE = 1e-4  # max abs difference of any probability, reslab vs Keras
TOP = 5
from conftest import GEMM_PATHS, IMAGE_NAMES, skip_unless_gemm_path_runs  # noqa: E402
VARIANTS = reslab_oracle.VARIANTS
RUN_TIMEOUT = 900  # seconds for one reslab run over all images

# Signs that a program crashed or dumped internals instead of reporting an error in one sentence.
STACK_DUMP_MARKERS = (
    "Traceback", "Stack dump", "Fatal error", "Current stack trace", "Program crashed", "Backtrace",
    "Segmentation fault", "Illegal instruction", "HDF5-DIAG",
)


# ---------------------------------------------------------------- fixtures


def _run(cmd, timeout=RUN_TIMEOUT, gemm_path=None):
    env = dict(os.environ, RESLAB_GEMM_KERNEL=gemm_path) if gemm_path else None
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout, env=env)


def _describe(proc):
    return f"exit status {proc.returncode}\n--- stderr ---\n{proc.stderr[-4000:]}\n--- stdout ---\n{proc.stdout[-2000:]}"


class ReslabRuns:
    """reslab's outputs, one process per (variant, mode), all images at once; memoised."""

    def __init__(self, reslab, keras_case, sample_images):
        self.reslab, self.keras_case = reslab, keras_case
        self.images = [sample_images[name] for name in IMAGE_NAMES]
        self.cache = {}

    def _once(self, key, cmd, gemm_path=None):
        if key not in self.cache:
            self.cache[key] = _run(cmd, gemm_path=gemm_path)
        proc = self.cache[key]
        assert proc.returncode == 0, f"`{' '.join(map(str, cmd))}` failed: {_describe(proc)}"
        return proc.stdout

    def json(self, variant, gemm_path=None):
        """Parsed `--json --all-probs` output; the variant is left to auto-detection. `gemm_path`
        forces reslab's GEMM kernel path (RESLAB_GEMM_KERNEL)."""
        weights = self.keras_case(variant)["weights"]
        cmd = [self.reslab, "classify", *self.images, "--weights", weights, "--top", TOP, "--json", "--all-probs"]
        out = self._once(("json", variant, gemm_path), cmd, gemm_path)
        try:
            entries = json.loads(out)
        except json.JSONDecodeError as error:
            pytest.fail(f"stdout of --json is not one JSON document ({error}):\n{out[:2000]}")
        assert isinstance(entries, list) and len(entries) == len(self.images), (
            f"expected a JSON array of {len(self.images)} results, got: {str(entries)[:500]}"
        )
        return entries

    def text(self, variant):
        """Plain output with --variant given explicitly."""
        weights = self.keras_case(variant)["weights"]
        cmd = [self.reslab, "classify", *self.images, "--weights", weights, "--variant", variant, "--top", TOP]
        return self._once(("text", variant), cmd)


@pytest.fixture(scope="session")
def reslab_runs(reslab, keras_case, sample_images):
    return ReslabRuns(reslab, keras_case, sample_images)


@pytest.fixture(scope="session")
def class_index():
    from reslab_oracle import reference

    return reference.class_index()


# ---------------------------------------------------------------- helpers
def _entry_for(entries, index, image):
    entry = entries[index]
    assert pathlib.Path(str(entry.get("image"))).name == image.name, (
        f"result {index} is for {entry.get('image')!r}, expected {image} (results must follow argument order)"
    )
    return entry


def _reference_for(case, image):
    (ref,) = [r for r in case["results"] if pathlib.Path(r["image"]).name == image.name]
    return ref


# ---------------------------------------------------------------- tests
@pytest.mark.parametrize("gemm_path", GEMM_PATHS)
@pytest.mark.parametrize("image_name", IMAGE_NAMES)
@pytest.mark.parametrize("variant", VARIANTS)
def test_probabilities_match_keras(
    reslab_runs, keras_case, sample_images, class_index, variant, image_name, gemm_path
):
    """On every GEMM kernel path this CPU runs, forced in turn."""
    skip_unless_gemm_path_runs(gemm_path)
    image = sample_images[image_name]
    entry = _entry_for(reslab_runs.json(variant, gemm_path), IMAGE_NAMES.index(image_name), image)
    ref = _reference_for(keras_case(variant), image)

    assert "probs" in entry, "--all-probs must add a 'probs' array to every result"
    probs = np.asarray(entry["probs"], dtype=np.float64)
    assert probs.shape == (1000,), f"'probs' has shape {probs.shape}, expected (1000,)"
    diff = np.abs(probs - ref["probs"])
    worst = int(diff.argmax())
    assert diff.max() <= TOLERANCE, (
        f"{variant} {image_name}: max |reslab - keras| = {diff.max():.3g} at class {worst} "
        f"(reslab {probs[worst]:.6g}, keras {ref['probs'][worst]:.6g}); tolerance {TOLERANCE}"
    )

    ref_top = [int(i) for i in np.argsort(ref["probs"])[-TOP:][::-1]]
    top = entry.get("top")
    assert isinstance(top, list) and len(top) == TOP, f"'top' should list {TOP} classes, got {top!r}"
    got_top = [int(t["index"]) for t in top]
    assert got_top == ref_top, (
        f"{variant} {image_name}: top-{TOP} {got_top} != keras {ref_top} "
        f"(keras probs {[round(float(ref['probs'][i]), 6) for i in ref_top]})"
    )
    assert got_top == [int(i) for i in np.argsort(probs)[-TOP:][::-1]], "'top' disagrees with 'probs'"
    for t in top:
        wnid, label = class_index[str(t["index"])]
        assert (t["wnid"], t["label"]) == (wnid, label), f"class {t['index']}: {t} vs class index {wnid} {label}"
        assert abs(float(t["prob"]) - ref["probs"][t["index"]]) <= TOLERANCE, f"{t} vs keras {ref['probs'][t['index']]}"


@pytest.mark.parametrize("variant", VARIANTS)
def test_predicted_line_matches_decode_predictions(reslab_runs, keras_case, sample_images, variant):
    from reslab_oracle import reference

    out = reslab_runs.text(variant)
    groups = reference.parse_predicted(out)
    assert len(groups) == len(IMAGE_NAMES), (
        f"expected one decode_predictions list per image ({len(IMAGE_NAMES)}, in argument order) on "
        f"'Predicted:' lines, found {len(groups)}:\n{out[-3000:]}"
    )
    case = keras_case(variant)
    for name, got in zip(IMAGE_NAMES, groups):
        ref = _reference_for(case, sample_images[name])
        want = [(w, l) for w, l, _ in ref["predicted"]]
        assert [(w, l) for w, l, _ in got] == want, f"{variant} {name}:\n  reslab: {got}\n  keras:  {ref['predicted']}"
        for (_, _, p), (_, _, q) in zip(got, ref["predicted"]):
            assert abs(p - float(q)) <= TOLERANCE, f"{variant} {name}: printed probability {p} vs keras {q}"


def _assert_one_line_error(proc, what):
    assert proc.returncode > 0, f"{what}: expected a non-zero exit status (not a signal): {_describe(proc)}"
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"{what}: expected exactly one line on stderr, got {len(lines)}:\n{proc.stderr[-3000:]}"
    for marker in STACK_DUMP_MARKERS:
        assert marker not in proc.stderr, f"{what}: stderr looks like a crash/stack dump ({marker!r}):\n{proc.stderr}"
    return lines[0]


@pytest.mark.parametrize("variant", VARIANTS)
def test_notop_file_is_refused(reslab, oracle_dir, sample_images, variant):
    from reslab_oracle import make_weights

    notop = oracle_dir / f"{variant}-notop.h5"
    if not notop.exists():
        make_weights.write_weights(variant, reslab_oracle.FIXTURE_SEEDS[variant], notop, include_top=False)
    image = sample_images[IMAGE_NAMES[0]]
    proc = _run([reslab, "classify", image, "--weights", notop], timeout=300)
    line = _assert_one_line_error(proc, f"classify with a {variant} --notop file")
    assert notop.name in line, f"the error should name the weights file ({notop}): {line!r}"
    classifier = reslab_oracle.CLASSIFIER_LAYER[variant]
    assert re.search(rf"{classifier}|classifier", line, re.I), (
        f"the error should say the classifier layer ('{classifier}') is missing: {line!r}"
    )
    assert re.search(r"missing|not found|no |absent|lacks|without|does not (contain|have)", line, re.I), (
        f"the error should say the classifier layer is missing: {line!r}"
    )


def test_random_bytes_file_is_refused(reslab, tmp_path, sample_images):
    garbage = tmp_path / "garbage.h5"
    garbage.write_bytes(np.random.default_rng(7).bytes(64 * 1024))
    image = sample_images[IMAGE_NAMES[0]]
    _assert_one_line_error(_run([reslab, "classify", image, "--weights", garbage], timeout=300),
                           "classify with a file of random bytes")
