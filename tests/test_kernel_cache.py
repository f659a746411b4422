"""`reslab classify` keeps the kernels it packs from a weight file in its cache directory
(`packed/`), and the next run maps them instead of lowering the weights again.

Each test runs reslab on the tutorial variant's seeded weights (tf-keras wrote them) with a cache
folder of its own, and checks that a run from the cache prints exactly what a run that lowered the
weights printed, within 1e-4 of Keras; that a changed weight file or a damaged cache file is never
used (it is written again); that `--no-kernel-cache` keeps nothing; that only the two files used
last are kept; and that a cache that cannot be written (a file in its way, a full disk) costs nothing
but speed and leaves nothing behind.
"""
import json
import os
import pathlib
import subprocess

import numpy as np
import pytest

from conftest import IMAGE_NAMES, mounted_tmpfs

TOLERANCE = 1e-4
IMAGE = IMAGE_NAMES[0]


def classify(reslab, weights, image, cache_home, *extra):
    env = dict(os.environ, XDG_CACHE_HOME=str(cache_home))
    proc = subprocess.run(
        [str(reslab), "classify", str(image), "--weights", str(weights), "--json", "--all-probs", *extra],
        capture_output=True, text=True, timeout=600, env=env,
    )
    assert proc.returncode == 0, f"exit {proc.returncode}: {proc.stderr[-2000:]}"
    assert proc.stderr == "", f"nothing should go to stderr: {proc.stderr[-2000:]}"
    return proc.stdout


def packed_files(cache_home):
    folder = pathlib.Path(cache_home) / "reslab" / "packed"
    return sorted(folder.glob("*.packed")) if folder.is_dir() else []


@pytest.fixture(scope="module")
def case(keras_case):
    return keras_case("tutorial")


@pytest.fixture
def image(sample_images):
    return sample_images[IMAGE]


def keras_probs(case, image):
    (ref,) = [r for r in case["results"] if pathlib.Path(r["image"]).name == image.name]
    return np.asarray(ref["probs"])


def test_a_second_run_maps_the_kernels_the_first_packed_and_prints_the_same(reslab, case, image, tmp_path):
    first = classify(reslab, case["weights"], image, tmp_path)
    (packed,) = packed_files(tmp_path)
    written = packed.stat()
    second = classify(reslab, case["weights"], image, tmp_path)
    used = packed.stat()
    assert used.st_ino == written.st_ino, "the second run wrote the file again instead of using it"
    assert used.st_mtime_ns > written.st_mtime_ns, "a file used is marked used (the last to be removed)"
    assert second == first
    probs = np.asarray(json.loads(second)[0]["probs"])
    assert np.abs(probs - keras_probs(case, image)).max() <= TOLERANCE


def test_a_changed_weight_file_is_lowered_again(reslab, case, image, tmp_path):
    weights = tmp_path / "weights.h5"
    os.link(case["weights"], weights)
    first = classify(reslab, weights, image, tmp_path)
    (packed,) = packed_files(tmp_path)
    before = packed.stat().st_ino
    stat = weights.stat()
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert classify(reslab, weights, image, tmp_path) == first
    (packed,) = packed_files(tmp_path)
    assert packed.stat().st_ino != before, "the kernels of the file as it was were used"


@pytest.mark.parametrize("where", ["a kernel", "the key"])
def test_a_damaged_cache_file_is_not_used_and_is_written_again(reslab, case, image, tmp_path, where):
    first = classify(reslab, case["weights"], image, tmp_path)
    (packed,) = packed_files(tmp_path)
    data = bytearray(packed.read_bytes())
    data[len(data) // 2 if where == "a kernel" else 60] ^= 0x10
    packed.write_bytes(bytes(data))
    before = packed.stat().st_ino
    assert classify(reslab, case["weights"], image, tmp_path) == first
    (packed,) = packed_files(tmp_path)
    assert packed.stat().st_ino != before, "the damaged file was kept"
    assert classify(reslab, case["weights"], image, tmp_path) == first


def test_no_kernel_cache_keeps_nothing_and_prints_the_same(reslab, case, image, tmp_path):
    plain = classify(reslab, case["weights"], image, tmp_path / "a", "--no-kernel-cache")
    assert packed_files(tmp_path / "a") == []
    assert classify(reslab, case["weights"], image, tmp_path / "b") == plain


def test_only_the_two_files_used_last_are_kept(reslab, case, image, tmp_path):
    names = ["one.h5", "two.h5", "three.h5"]
    for name in names:
        os.link(case["weights"], tmp_path / name)
    outputs = {classify(reslab, tmp_path / name, image, tmp_path) for name in names[:2]}
    classify(reslab, tmp_path / "one.h5", image, tmp_path)  # one.h5 is now the one used last
    outputs.add(classify(reslab, tmp_path / "three.h5", image, tmp_path))
    kept = [p.name.split(".")[0] for p in packed_files(tmp_path)]
    assert sorted(kept) == ["one", "three"]
    assert len(outputs) == 1


def test_a_cache_that_cannot_be_written_costs_nothing_but_speed(reslab, case, image, tmp_path):
    blocked = tmp_path / "blocked"
    (blocked / "reslab").mkdir(parents=True)
    (blocked / "reslab" / "packed").write_text("a file where the folder should be\n")
    out = classify(reslab, case["weights"], image, blocked)
    assert out == classify(reslab, case["weights"], image, tmp_path / "fine")
    assert (blocked / "reslab" / "packed").read_text() == "a file where the folder should be\n"


def test_a_full_disk_leaves_no_file_and_the_results_whole(reslab, case, image, tmp_path):
    """The cache on a 40 MB tmpfs, a third of the kernels' size: the write fails with ENOSPC midway.
    Needs root (`mount`): skipped without it."""
    with mounted_tmpfs(tmp_path / "disk", "40m") as disk:
        expected = classify(reslab, case["weights"], image, tmp_path / "fine")
        for _ in range(2):
            assert classify(reslab, case["weights"], image, disk) == expected
            left = list((disk / "reslab" / "packed").iterdir())
            assert left == [], f"a failed write left {left}"


def test_the_activation_map_drawn_after_kernels_from_the_cache_is_the_same(reslab, case, image, tmp_path):
    """`--cam` runs the unfused pass on OpenBLAS, which an engine from the cache does not load itself."""
    pictures = []
    for run in range(2):
        picture = tmp_path / f"cam{run}.png"
        classify(reslab, case["weights"], image, tmp_path, "--cam", str(picture))
        pictures.append(picture.read_bytes())
    (packed,) = packed_files(tmp_path)
    assert pictures[0] == pictures[1] and pictures[0].startswith(b"\x89PNG")
