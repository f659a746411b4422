"""The `reslab` command line as a learner meets it: summary, missing weights, the weights cache and
download (from a local HTTP server the test starts), one-line errors for bad input, classify with
seeded random weights and with some unreadable images among good ones, `weights verify` telling
another valid ResNet50 file (written by tf-keras) from a damaged one, and `reslab run` on a notebook
`save` wrote."""
import hashlib
import json
import os
import pathlib
import resource
import subprocess
import sys

import pytest
from conftest import GEMM_PATHS, gemm_path_supported, skip_unless_gemm_path_runs

ROOT = pathlib.Path(__file__).resolve().parent.parent
RANDOM_LINE = "[RANDOM weights: these classes mean nothing]"


def run(reslab, *args, env=None, timeout=120):
    return subprocess.run([str(reslab), *map(str, args)], capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture
def cache_env(tmp_path):
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))
    env.pop("NO_COLOR", None)
    return env


def assert_one_line_error(proc):
    assert proc.returncode == 1, proc
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    for marker in ("Fatal error", "Stack dump", "Backtrac", "HDF5-DIAG"):
        assert marker not in proc.stderr
    return lines[0]


def test_summary_prints_the_keras_table_with_the_tutorial_totals(reslab):
    proc = run(reslab, "summary")
    assert proc.returncode == 0, proc.stderr
    assert "res2a_branch2c (Conv2D)         (None, 55, 55, 256)  16640       activation_3[0][0]" in proc.stdout
    assert "Total params: 25,636,712" in proc.stdout
    assert "Trainable params: 25,583,592" in proc.stdout
    assert "Non-trainable params: 53,120" in proc.stdout
    assert "\x1b" not in proc.stdout, "no colour when stdout is not a terminal"


def test_keras_applications_summary_runs_at_56(reslab):
    proc = run(reslab, "summary", "--variant", "keras-applications")
    assert proc.returncode == 0
    assert "pool1_pool (MaxPooling2D)       (None, 56, 56, 64)" in proc.stdout


def test_classify_without_weights_says_how_to_get_them(reslab, cache_env, sample_images):
    proc = run(reslab, "classify", sample_images["chelsea.png"], env=cache_env)
    line = assert_one_line_error(proc)
    assert "reslab weights download" in line and "--weights" in line
    assert proc.stdout == ""


def test_weights_path_follows_xdg_cache_home(reslab, cache_env, tmp_path):
    proc = run(reslab, "weights", "path", env=cache_env)
    assert proc.stdout.strip() == str(tmp_path / "cache" / "reslab" / "resnet50_weights_tf_dim_ordering_tf_kernels.h5")


def test_corrupt_image_is_one_line_and_no_output(reslab, tmp_path):
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(300))
    proc = run(reslab, "classify", bad, "--weights", tmp_path / "unused.h5")
    line = assert_one_line_error(proc)
    assert "broken.jpg" in line
    assert proc.stdout == ""


@pytest.mark.parametrize("path", GEMM_PATHS)
def test_bench_names_the_gemm_kernel_that_runs(reslab, path):
    skip_unless_gemm_path_runs(path)
    proc = run(reslab, "bench", "--random-weights", "--runs", "1", "--rounds", "1", env=dict(os.environ, RESLAB_GEMM_KERNEL=path))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == f"GEMM kernel {path} (RESLAB_GEMM_KERNEL from the environment) for the convolutions, 2 threads"
    assert lines[1].startswith("OpenBLAS kernel ") and lines[1].endswith(" for the layer-by-layer pass")


def test_forward_passes_reuse_memory_instead_of_faulting_it_in_again(reslab):
    """Ten more forward passes cost next to no page faults: freed activations are reused, not given
    back to the kernel and faulted in again (about 600 faults a pass before)."""

    def faults(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt
        proc = run(reslab, "bench", "--random-weights", "--runs", runs, "--rounds", "1")
        assert proc.returncode == 0, proc.stderr
        return resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt - before

    extra = faults(12) - faults(2)
    assert extra < 10 * 50, f"10 more forward passes took {extra} more page faults"


def test_a_gemm_kernel_that_cannot_run_is_one_line(reslab, sample_images):
    image = sample_images["rocket.jpg"]
    unknown = run(reslab, "classify", image, "--random-weights", env=dict(os.environ, RESLAB_GEMM_KERNEL="avx9"))
    assert assert_one_line_error(unknown) == (
        "error: RESLAB_GEMM_KERNEL=avx9 names no GEMM kernel (choose one of avx512, avx2, portable)")
    for path in GEMM_PATHS:
        if not gemm_path_supported(path):
            proc = run(reslab, "classify", image, "--random-weights", env=dict(os.environ, RESLAB_GEMM_KERNEL=path))
            assert assert_one_line_error(proc) == f"error: RESLAB_GEMM_KERNEL={path}: this CPU cannot run the {path} kernel"
            assert proc.stdout == ""


def test_unknown_variant_is_refused_with_the_choices(reslab):
    proc = run(reslab, "summary", "--variant", "resnet18")
    assert proc.returncode != 0
    assert "tutorial" in proc.stderr and "keras-applications" in proc.stderr


def test_download_verifies_md5_and_lands_atomically(reslab, cache_env, tmp_path, http_server):
    root, url = http_server
    payload = os.urandom(3_000_000)
    (root / "w.h5").write_bytes(payload)
    md5 = hashlib.md5(payload).hexdigest()
    proc = run(reslab, "weights", "download", "--url", f"{url}/w.h5", "--md5", md5, env=cache_env)
    assert proc.returncode == 0, proc.stderr
    cached = tmp_path / "cache" / "reslab" / "resnet50_weights_tf_dim_ordering_tf_kernels.h5"
    assert cached.read_bytes() == payload
    assert sorted(p.name for p in cached.parent.iterdir()) == [cached.name]
    verify = run(reslab, "weights", "verify", "--md5", md5, env=cache_env)
    assert verify.returncode == 0 and md5 in verify.stdout


def test_download_with_wrong_md5_leaves_nothing_behind(reslab, cache_env, tmp_path, http_server):
    root, url = http_server
    (root / "w.h5").write_bytes(os.urandom(100_000))
    proc = run(reslab, "weights", "download", "--url", f"{url}/w.h5", "--md5", "0" * 32, env=cache_env)
    line = assert_one_line_error(proc)
    assert "md5" in line and "nothing was saved" in line
    cache = tmp_path / "cache" / "reslab"
    assert not cache.exists() or list(cache.iterdir()) == []


def test_download_from_a_server_that_is_gone_is_a_clear_error(reslab, cache_env, tmp_path, http_server):
    _, url = http_server
    port = url.rsplit(":", 1)[1]
    dead = f"http://127.0.0.1:{int(port) + 1 if int(port) < 65535 else 1}/w.h5"
    proc = run(reslab, "weights", "download", "--url", dead, env=cache_env)
    line = assert_one_line_error(proc)
    assert "download failed" in line
    cache = tmp_path / "cache" / "reslab"
    assert not cache.exists() or list(cache.iterdir()) == []


def test_verify_reports_a_damaged_file(reslab, tmp_path):
    damaged = tmp_path / "w.h5"
    damaged.write_bytes(b"not the tutorial's weights")
    line = assert_one_line_error(run(reslab, "weights", "verify", damaged))
    assert "md5" in line and "w.h5" in line


def test_weights_path_exits_1_when_no_file_is_there_and_0_when_one_is(reslab, cache_env, tmp_path):
    expected = tmp_path / "cache" / "reslab" / "resnet50_weights_tf_dim_ordering_tf_kernels.h5"
    absent = run(reslab, "weights", "path", env=cache_env)
    assert absent.returncode == 1 and absent.stdout.strip() == str(expected), absent
    expected.parent.mkdir(parents=True)
    expected.write_bytes(b"anything")
    present = run(reslab, "weights", "path", env=cache_env)
    assert present.returncode == 0 and present.stdout.strip() == str(expected), present


# ---------------------------------------------------------------- classify --random-weights, bad images
def test_random_weights_need_no_file_and_every_output_says_random(reslab, cache_env, sample_images):
    image = sample_images["chelsea.png"]
    proc = run(reslab, "classify", image, "--random-weights", env=cache_env)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith(str(image)) and "RANDOM" in lines[0], "the table's title says RANDOM"
    predicted = [i for i, line in enumerate(lines) if line.startswith("Predicted: [[(")]
    assert len(predicted) == 1 and lines[predicted[0] + 1] == RANDOM_LINE, proc.stdout

    proc = run(reslab, "classify", image, image, "--random-weights", "--json", "--top", 2, env=cache_env)
    assert proc.returncode == 0, proc.stderr
    entries = json.loads(proc.stdout)
    assert len(entries) == 2
    for entry in entries:
        assert entry["random_weights"] is True
        assert entry["image"] == str(image) and len(entry["top"]) == 2
        assert set(entry["top"][0]) == {"index", "wnid", "label", "prob"}


def test_random_weights_and_a_weight_file_are_one_or_the_other(reslab, sample_images, tmp_path):
    proc = run(reslab, "classify", sample_images["chelsea.png"], "--random-weights", "--weights", tmp_path / "w.h5")
    assert proc.returncode != 0 and "--random-weights" in proc.stderr and proc.stdout == ""


@pytest.fixture
def good_corrupt_missing(tmp_path, sample_images):
    """A readable image, a corrupt JPEG and a path with no file, in that order."""
    corrupt = tmp_path / "broken.jpg"
    corrupt.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(300))
    return sample_images["chelsea.png"], corrupt, tmp_path / "missing.png"


def assert_an_error_line_for_each(proc, *paths):
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == len(paths), proc.stderr
    for line, path in zip(lines, paths):
        assert line.startswith("error: ") and path.name in line, proc.stderr


def test_a_bad_image_among_several_gets_its_error_line_and_the_good_one_still_prints(reslab, good_corrupt_missing):
    good, corrupt, missing = good_corrupt_missing
    proc = run(reslab, "classify", good, corrupt, missing, "--random-weights")
    assert proc.returncode == 1, proc
    assert_an_error_line_for_each(proc, corrupt, missing)
    assert proc.stdout.startswith(str(good)), proc.stdout
    predicted = [line for line in proc.stdout.splitlines() if line.startswith("Predicted: ")]
    assert len(predicted) == 1 and predicted[0].count("), (") == 4, "the good image's top 5, nothing for the others"
    assert str(corrupt) not in proc.stdout and str(missing) not in proc.stdout


def test_json_with_a_bad_image_is_still_one_valid_array_of_the_good_results(reslab, good_corrupt_missing):
    good, corrupt, missing = good_corrupt_missing
    proc = run(reslab, "classify", corrupt, good, missing, "--random-weights", "--json")
    assert proc.returncode == 1, proc
    assert_an_error_line_for_each(proc, corrupt, missing)
    entries = json.loads(proc.stdout)
    assert [entry["image"] for entry in entries] == [str(good)]


# ---------------------------------------------------------------- weights verify: another file or damage
@pytest.fixture(scope="module")
def seeded_tutorial_weights(tmp_path_factory):
    """A whole weight file of the tutorial's ResNet50 with seeded random values, written by tf-keras."""
    path = tmp_path_factory.mktemp("verify") / "seeded.h5"
    proc = subprocess.run(
        [sys.executable, "-m", "reslab_oracle.make_weights", "--variant", "tutorial", "--seed", "27", "--out", path],
        cwd=ROOT / "python", capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    return path


def test_verify_names_a_valid_resnet50_file_that_is_not_the_tutorials(reslab, seeded_tutorial_weights):
    line = assert_one_line_error(run(reslab, "weights", "verify", seeded_tutorial_weights))
    md5 = hashlib.md5(seeded_tutorial_weights.read_bytes()).hexdigest()
    assert "is a valid ResNet50 weight file (variant tutorial), but not the tutorial's file" in line
    assert f"md5 is {md5}" in line and "damaged" not in line


def test_verify_calls_a_truncated_weight_file_damaged_with_the_readers_reason(reslab, seeded_tutorial_weights, tmp_path):
    whole = seeded_tutorial_weights.read_bytes()
    truncated = tmp_path / "truncated.h5"
    truncated.write_bytes(whole[: len(whole) // 2])
    line = assert_one_line_error(run(reslab, "weights", "verify", truncated))
    assert "truncated.h5" in line and "are damaged or not a ResNet50 weight file" in line
    assert "truncated or corrupt HDF5 file" in line and "valid" not in line


# MARK: - A saved notebook runs again


SESSION = """from keras.layers import Input, Conv2D
x = Input(shape=(56, 56, 64))
y = Conv2D(64, (1, 1))(x)
print(y.shape)
y
save {path}
"""


def test_a_saved_notebook_runs_again_cell_by_cell_as_the_session_did(reslab, tmp_path):
    notebook = tmp_path / "session.ipynb"
    script = tmp_path / "session.py"
    script.write_text(SESSION.format(path=notebook))
    first = run(reslab, "run", script)
    assert first.returncode == 0, first
    again = run(reslab, "run", notebook)
    assert again.returncode == 0, again
    # The same output, less the line `save` printed (a saved notebook does not hold its own `save`).
    assert again.stdout.splitlines() == [line for line in first.stdout.splitlines() if "saved" not in line]
    assert "(None, 56, 56, 64)" in again.stdout


def test_a_notebook_cells_error_names_the_cell_and_the_later_cells_still_run(reslab, tmp_path):
    notebook = tmp_path / "broken.ipynb"
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# not code"]},
        {"cell_type": "code", "metadata": {}, "source": ["a = 1\n", "b = 2"], "outputs": [], "execution_count": 1},
        {"cell_type": "code", "metadata": {}, "source": "print(nope)", "outputs": [], "execution_count": 2},
        {"cell_type": "code", "metadata": {}, "source": "print(a + b)", "outputs": [], "execution_count": 3},
    ]
    notebook.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}))
    proc = run(reslab, "run", notebook)
    assert proc.returncode == 1, proc
    assert proc.stdout.strip().splitlines() == ["3"]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{notebook}:cell 2:1: error: "), proc.stderr


@pytest.mark.parametrize("text", ["x = 1\n", "[]", '{"cells": 3}', '{"cells": ['])
def test_a_file_named_ipynb_that_is_not_a_notebook_is_one_error_line(reslab, tmp_path, text):
    notebook = tmp_path / "not.ipynb"
    notebook.write_text(text)
    line = assert_one_line_error(run(reslab, "run", notebook))
    assert "not a Jupyter notebook" in line and str(notebook) in line
