"""Hostile weight files: a valid seeded file (conftest's `keras_case("tutorial")`) copied and altered
with h5py so that one dataset declares an absurd shape (chunked or contiguous), one layer's
`weight_names` lists a large dataset 300 times, or a weight holds NaN or infinity.

Each file goes through `reslab classify IMAGE --weights FILE` and through the prompt
(`model.load_weights(FILE)`, `%classify IMAGE --weights FILE`). reslab must refuse it from the file's
metadata (or, for NaN and infinity, its values) before anything is used: exit status 1, one `error:` line
naming the layer, no signal, and a peak resident size under 1 GB (the shapes declare up to 2**62 values).

Run: `swift build`, then `python -m pytest tests/test_hostile_weights.py` (or set RESLAB_BIN).
"""
import json
import os
import shutil

import h5py
import numpy as np
import pytest

from conftest import IMAGE_NAMES, run_measured

PEAK_LIMIT_KB = 1024 * 1024  # ru_maxrss is in kilobytes on Linux: 1 GB


def _replace(group, name, **dataset):
    """Replaces dataset `name` of `group` with an empty one declared as `dataset` (h5py's create_dataset)."""
    del group[name]
    group.create_dataset(name, **dataset)


def _huge_chunked(f):
    _replace(f["fc1000"], "fc1000/kernel:0", shape=(2**31, 2**31), dtype="f4", chunks=(1024, 1024))


def _huge_contiguous(f):
    _replace(f["conv1"], "conv1/kernel:0", shape=(2**33,), dtype="f4")


def _gigabyte_contiguous(f):
    _replace(f["conv1"], "conv1/kernel:0", shape=(2**28,), dtype="f4")


def _names_repeated(f):
    f["fc1000"].attrs["weight_names"] = np.array([b"fc1000/kernel:0"] * 300)


def _poke(f, layer, name, value, at=17):
    data = f[layer][name]
    flat = data[...].reshape(-1)
    flat[at] = value
    data[...] = flat.reshape(data.shape)


# case -> (alteration, the layer the error must name, what else the error line must say)
CASES = {
    "huge-chunked-shape": (_huge_chunked, "fc1000", "(2147483648, 2147483648)"),
    "huge-contiguous-shape": (_huge_contiguous, "conv1", "(8589934592,)"),
    "gigabyte-contiguous-shape": (_gigabyte_contiguous, "conv1", "(268435456,)"),
    "weight-names-repeated": (_names_repeated, "fc1000", "300 weights"),
    "nan-in-dense-bias": (lambda f: _poke(f, "fc1000", "fc1000/bias:0", np.nan), "fc1000", "NaN"),
    "inf-in-conv-kernel": (lambda f: _poke(f, "res3a_branch2b", "res3a_branch2b/kernel:0", np.inf), "res3a_branch2b",
                           "inf"),
    "minus-inf-in-conv-kernel": (lambda f: _poke(f, "conv1", "conv1/kernel:0", -np.inf), "conv1", "-inf"),
}


@pytest.fixture(scope="module")
def hostile_files(keras_case, tmp_path_factory):
    """case -> path of the altered copy of the seeded tutorial weights."""
    valid = keras_case("tutorial")["weights"]
    directory = tmp_path_factory.mktemp("hostile")
    files = {}
    for case, (alter, _, _) in CASES.items():
        path = directory / f"{case}.h5"
        shutil.copyfile(valid, path)
        with h5py.File(path, "r+") as f:
            alter(f)
        files[case] = path
    return files


def _check_refused(status, lines, peak, layer, detail, what):
    assert status >= 0, f"{what}: killed by signal {-status}"
    assert status == 1, f"{what}: exit status {status}\n" + "\n".join(lines)
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1, f"{what}: expected one error line, got\n" + "\n".join(lines)
    assert f"'{layer}'" in errors[0] and detail in errors[0], f"{what}: {errors[0]}"
    assert peak < PEAK_LIMIT_KB, f"{what}: peak resident size {peak // 1024} MB"


@pytest.mark.parametrize("case", CASES)
def test_classify_refuses_the_file_naming_the_layer(reslab, hostile_files, sample_images, case):
    _, layer, detail = CASES[case]
    image = sample_images[IMAGE_NAMES[0]]
    for extra in ([], ["--json"]):
        status, out, err, peak = run_measured([reslab, "classify", image, "--weights", hostile_files[case], *extra])
        lines = [line for line in err.splitlines() if line.strip()]
        _check_refused(status, lines, peak, layer, detail, f"classify {' '.join(extra)} with {case}")
        assert len(lines) == 1, f"{case}: stderr is more than the error line:\n{err}"
        assert "nan" not in out.lower() and "Predicted" not in out, out


@pytest.mark.parametrize("case", CASES)
def test_prompt_refuses_the_file_and_goes_on(reslab, hostile_files, sample_images, case, tmp_path):
    _, layer, detail = CASES[case]
    path, image = hostile_files[case], sample_images[IMAGE_NAMES[0]]
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"), XDG_STATE_HOME=str(tmp_path / "state"))
    for line in (f"model = ResNet50()\nmodel.load_weights('{path}')\n", f"%classify {image} --weights {path}\n"):
        script = line + "print('still here')\n"
        status, out, err, peak = run_measured([reslab], stdin=script.encode(), cwd=tmp_path, env=env)
        lines = [text for text in (out + err).splitlines() if text.strip()]
        _check_refused(status, lines, peak, layer, detail, f"{line.strip()!r} with {case}")
        assert lines[-1] == "still here", f"{case}: the session should go on\n" + "\n".join(lines)


def test_finite_weights_that_overflow_are_refused_with_valid_json(reslab, hostile_files, sample_images, tmp_path):
    """Every weight finite, yet fc1000's logits overflow: no table of NaN, no `"prob": nan`."""
    path = tmp_path / "overflowing.h5"
    shutil.copyfile(hostile_files["nan-in-dense-bias"], path)
    with h5py.File(path, "r+") as f:
        f["fc1000"]["fc1000/bias:0"][...] = 0
        f["fc1000"]["fc1000/kernel:0"][...] = 3e38
    image = sample_images[IMAGE_NAMES[0]]
    for extra in ([], ["--json"]):
        status, out, err, _ = run_measured([reslab, "classify", image, "--weights", path, *extra])
        assert status == 1, f"exit status {status}\n{err}"
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error:") and "not finite" in lines[0], err
        assert "nan" not in out.lower(), out
        if extra:
            assert json.loads(out) == [], out
