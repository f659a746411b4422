"""Pictures end to end: `%show` through a pipe draws the picture as plain text under its caption, and
`save` keeps each picture itself as a PNG: a `display_data` output of a Jupyter notebook (checked with
nbformat and Pillow), or a file beside a Markdown notebook, linked from it."""
import base64
import io
import re

import nbformat
import numpy as np
import pytest
from PIL import Image

from test_layout_tty import terminal  # noqa: F401 (a fixture: a tmux pane of any size)
from test_repl_pipe import session

RAMP = " .:-=+*#%@"


def script(image, save):
    """The tutorial's image steps with a `%show` after the load and after `preprocess_input`."""
    return (
        f"img = image.load_img({str(image)!r}, target_size=(224, 224))\n"
        "%time %show img\n"
        "x = image.img_to_array(img)\n"
        "x = np.expand_dims(x, axis=0)\n"
        "x = preprocess_input(x)\n"
        "%show x\n"
        f"save {save}\n"
    )


def keras_pixels(image):
    """What Keras's `load_img(path, target_size=(224, 224))` holds (tests/test_images_vs_pil.py checks reslab's)."""
    return np.asarray(Image.open(image).convert("RGB").resize((224, 224), Image.NEAREST), dtype=np.int16)


def png_pixels(data):
    picture = Image.open(io.BytesIO(data))
    assert picture.format == "PNG" and picture.mode == "RGB" and picture.size == (224, 224), picture
    return np.asarray(picture, dtype=np.int16)


def test_a_pipe_draws_each_picture_as_plain_text_under_its_caption(reslab, tmp_path, sample_images):
    proc = session(reslab, script(sample_images["chelsea.png"], "out.ipynb"), tmp_path)
    out = proc.stdout.decode()
    assert proc.returncode == 0, out + proc.stderr.decode()
    assert "\x1b" not in out, "no escape codes through a pipe"
    lines = out.splitlines()
    for caption in ["img: image, 224×224 pixels", "x: preprocessed input (1, 224, 224, 3), de-processed:"]:
        (start,) = [i for i, line in enumerate(lines) if line.startswith(caption)]
        start += 1 if caption.startswith("img") else 2  # the second caption wraps at 80 columns
        drawn = lines[start:start + 32]
        assert all(len(line) == 64 and set(line) <= set(RAMP) for line in drawn), "\n".join(drawn)
        assert not set(lines[start + 32]) <= set(RAMP), "a square picture 64 columns wide takes 32 rows"
    # `%time` shows its time first, then the picture of the line it timed.
    assert re.search(r"^time: [0-9.]+ ms\nimg: image", out, re.M), out


def test_saved_ipynb_is_valid_and_each_picture_is_a_png_output(reslab, tmp_path, sample_images):
    image = sample_images["chelsea.png"]
    proc = session(reslab, script(image, "out.ipynb"), tmp_path)
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()
    notebook = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    nbformat.validate(notebook)
    outputs = {cell.source: cell.outputs for cell in notebook.cells if cell.cell_type == "code"}

    timed = outputs["%time %show img"]
    assert [o.output_type for o in timed] == ["stream", "display_data"], "the picture after the cell's text"
    assert timed[1].data["text/plain"] == "img: image, 224×224 pixels"
    loaded = png_pixels(base64.b64decode(timed[1].data["image/png"]))
    assert np.array_equal(loaded, keras_pixels(image)), "the image as load_img made it"

    (shown,) = outputs["%show x"]
    assert shown.output_type == "display_data"
    assert "de-processed: + ImageNet means, BGR → RGB" in shown.data["text/plain"]
    deprocessed = png_pixels(base64.b64decode(shown.data["image/png"]))
    assert np.abs(deprocessed - keras_pixels(image)).max() <= 1, "preprocess_input undone, within rounding"


def test_saved_markdown_links_each_picture_written_beside_it(reslab, tmp_path, sample_images):
    image = sample_images["chelsea.png"]
    proc = session(reslab, script(image, "out.md"), tmp_path)
    out = proc.stdout.decode()
    assert proc.returncode == 0, out + proc.stderr.decode()
    assert "its 2 pictures in out_files" in out
    markdown = (tmp_path / "out.md").read_text()
    links = re.findall(r"!\[([^\]]*)\]\(([^)]*)\)", markdown)
    assert [path for _, path in links] == ["out_files/cell-2-1.png", "out_files/cell-6-1.png"], links
    assert links[0][0] == "img: image, 224×224 pixels"
    for _, path in links:
        assert (tmp_path / path).is_file()
    assert np.array_equal(png_pixels((tmp_path / links[0][1]).read_bytes()), keras_pixels(image))
    assert sorted(p.name for p in (tmp_path / "out_files").iterdir()) == ["cell-2-1.png", "cell-6-1.png"], \
        "no partial files left beside them"


def test_a_picture_that_cannot_be_written_fails_the_save_in_one_line(reslab, tmp_path, sample_images):
    (tmp_path / "out_files").write_text("a file where the pictures' folder would go")
    proc = session(reslab, script(sample_images["chelsea.png"], "out.md"), tmp_path)
    out = proc.stdout.decode()
    assert proc.returncode == 1
    (error,) = [line for line in out.splitlines() if line.startswith("error:")]
    assert "out_files/cell-2-1.png" in error, error
    assert not (tmp_path / "out.md").exists()
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(("cache", "state"))) == ["out_files"]


@pytest.mark.parametrize("columns,rows,picture", [(100, 30, 52), (140, 60, 64), (50, 60, 50)])
def test_the_prompt_draws_a_picture_that_fits_the_pane(terminal, sample_images, columns, rows, picture):
    """In a real terminal (tmux): colour blocks under the caption, at most 64 columns wide, as wide as the
    pane allows and short enough to stay on the screen with the caption and the prompt."""
    terminal.run([], columns, rows)
    terminal.enter(f"img = image.load_img({str(sample_images['chelsea.png'])!r}, target_size=(224, 224))", "In [2]:")
    terminal.enter("%show img", "In [3]:")
    printed = terminal.history(joined=True).splitlines()
    (caption,) = [i for i, line in enumerate(printed) if line.startswith("img: image, 224×224 pixels")]
    drawn = [line.rstrip() for line in printed if "▀" in line]
    assert printed[caption + 1].rstrip() == drawn[0], "the picture right under its caption"
    assert {len(line) for line in drawn} == {picture} and len(drawn) == picture // 2
