"""`reslab classify` on many images: folders, quoted globs, unreadable files among them, and batches
that give the same results as one image at a time."""
import json
import os
import subprocess

import pytest
from PIL import Image


def run(reslab, *args):
    return subprocess.run([str(reslab), *map(str, args)], capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def photos(tmp_path_factory, sample_images):
    """Seven sample-sized JPEGs and PNGs in one folder, with a text file and a subfolder beside them."""
    folder = tmp_path_factory.mktemp("photos")
    names = []
    for number, (name, path) in enumerate(sorted(sample_images.items())):
        image = Image.open(path).convert("RGB")
        target = folder / f"photo{number}.{'png' if number % 3 == 0 else 'jpg'}"
        image.save(target)
        names.append(target.name)
    Image.open(sample_images["chelsea.png"]).convert("RGB").save(folder / "photo9.JPEG")
    names.append("photo9.JPEG")
    (folder / "notes.txt").write_text("not an image")
    (folder / "sub").mkdir()
    Image.open(sample_images["horse.png"]).convert("RGB").save(folder / "sub" / "inside.jpg")
    return folder, sorted(names)


@pytest.fixture(scope="module")
def weights(keras_case):
    return keras_case("tutorial")["weights"]


def images_of(proc):
    return [entry["image"] for entry in json.loads(proc.stdout)]


def test_a_folder_gives_its_images_sorted_and_not_its_subfolders(reslab, weights, photos):
    folder, names = photos
    proc = run(reslab, "classify", folder, "--weights", weights, "--json")
    assert proc.returncode == 0, proc.stderr
    assert images_of(proc) == [str(folder / name) for name in names]
    assert proc.stderr == "", "no progress bar when standard error is not a terminal"


def test_a_quoted_glob_is_expanded_by_reslab_in_sorted_order(reslab, weights, photos):
    folder, names = photos
    proc = run(reslab, "classify", folder / "*.jpg", "--weights", weights, "--json")
    assert proc.returncode == 0, proc.stderr
    assert images_of(proc) == [str(folder / name) for name in names if name.endswith(".jpg")]


def test_a_mix_keeps_the_order_of_the_arguments_and_each_problem_gets_one_error_line(reslab, weights, photos, tmp_path):
    folder, names = photos
    corrupt = tmp_path / "broken.jpg"
    corrupt.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(300))
    empty = tmp_path / "empty"
    empty.mkdir()
    unmatched = tmp_path / "*.png"
    single = folder / names[1]
    proc = run(reslab, "classify", single, corrupt, empty, folder / "photo[03].*", unmatched, "--weights", weights, "--json")
    assert proc.returncode == 1, proc
    assert images_of(proc) == [str(single), str(folder / "photo0.png"), str(folder / "photo3.png")]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 3 and all(line.startswith("error: ") for line in lines), proc.stderr
    assert corrupt.name in lines[0] and str(empty) in lines[1] and str(unmatched) in lines[2], proc.stderr


def test_batches_of_three_give_the_results_of_one_image_at_a_time(reslab, weights, photos):
    folder, names = photos
    paths = [folder / name for name in names[:7]]
    one, three = (
        run(reslab, "classify", *paths, "--weights", weights, "--json", "--all-probs", "--batch", batch)
        for batch in (1, 3)
    )
    assert one.returncode == 0 and three.returncode == 0, (one.stderr, three.stderr)
    one, three = json.loads(one.stdout), json.loads(three.stdout)
    assert [entry["image"] for entry in three] == [str(path) for path in paths]
    for alone, batched in zip(one, three):
        assert [c["index"] for c in alone["top"]] == [c["index"] for c in batched["top"]]
        assert max(abs(a - b) for a, b in zip(alone["probs"], batched["probs"])) <= 1e-5


def test_batch_must_be_from_1_to_64(reslab, photos):
    folder, _ = photos
    proc = run(reslab, "classify", folder, "--random-weights", "--batch", 0)
    assert proc.returncode != 0 and "--batch" in proc.stderr
