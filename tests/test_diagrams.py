"""Diagrams as files through the prompt: `%path x --svg FILE` / `--dot FILE` (the block that made `x`) and
`%diagram model --svg FILE` / `--dot FILE` (the whole ResNet50). The SVG must parse as XML and render with a
real renderer (rsvg-convert, Debian's librsvg2-bin); the DOT must be accepted by Graphviz's `dot`."""
import io
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

SVG = "{http://www.w3.org/2000/svg}"

IDENTITY = """\
x = Input(shape=(55, 55, 256))
y = identity_block(x, 3, [64, 64, 256], stage=2, block='b')
"""

CONV = """\
x = Input(shape=(55, 55, 256))
y = conv_block(x, 3, [128, 128, 512], stage=3, block='a')
"""

# The layers `%path y` draws for each block (input, main path, shortcut, add, ReLU) and their output shapes.
IDENTITY_LAYERS = {
    "input_1": "(None, 55, 55, 256)",
    "res2b_branch2a": "(None, 55, 55, 64)", "bn2b_branch2a": "(None, 55, 55, 64)",
    "activation_1": "(None, 55, 55, 64)",
    "res2b_branch2b": "(None, 55, 55, 64)", "bn2b_branch2b": "(None, 55, 55, 64)",
    "activation_2": "(None, 55, 55, 64)",
    "res2b_branch2c": "(None, 55, 55, 256)", "bn2b_branch2c": "(None, 55, 55, 256)",
    "add_1": "(None, 55, 55, 256)", "activation_3": "(None, 55, 55, 256)",
}
CONV_LAYERS = {
    "input_1": "(None, 55, 55, 256)",
    "res3a_branch2a": "(None, 28, 28, 128)", "bn3a_branch2a": "(None, 28, 28, 128)",
    "activation_1": "(None, 28, 28, 128)",
    "res3a_branch2b": "(None, 28, 28, 128)", "bn3a_branch2b": "(None, 28, 28, 128)",
    "activation_2": "(None, 28, 28, 128)",
    "res3a_branch2c": "(None, 28, 28, 512)", "bn3a_branch2c": "(None, 28, 28, 512)",
    "res3a_branch1": "(None, 28, 28, 512)", "bn3a_branch1": "(None, 28, 28, 512)",
    "add_1": "(None, 28, 28, 512)", "activation_3": "(None, 28, 28, 512)",
}


def session(reslab, script, tmp_path, *args):
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"), XDG_STATE_HOME=str(tmp_path / "state"))
    env.pop("NO_COLOR", None)
    return subprocess.run([str(reslab), *args], input=script.encode(), capture_output=True, timeout=120, env=env,
                          cwd=tmp_path)


def need(tool):
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is not installed: see packages/apt.txt")


def texts(svg_path):
    """Every text element's content, in document order."""
    root = ET.parse(svg_path).getroot()
    assert root.tag == SVG + "svg"
    return ["".join(t.itertext()) for t in root.iter(SVG + "text")]


def render_svg(svg_path, tmp_path):
    need("rsvg-convert")
    png = tmp_path / (svg_path.stem + ".svg.png")
    proc = subprocess.run(["rsvg-convert", "-o", str(png), str(svg_path)], capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    return Image.open(io.BytesIO(png.read_bytes()))


def render_dot(dot_path, tmp_path):
    need("dot")
    proc = subprocess.run(["dot", "-Tpng", str(dot_path)], capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode()
    assert b"Warning" not in proc.stderr and b"Error" not in proc.stderr, proc.stderr.decode()
    return Image.open(io.BytesIO(proc.stdout))


@pytest.mark.parametrize("script,layers", [(IDENTITY, IDENTITY_LAYERS), (CONV, CONV_LAYERS)], ids=["identity", "conv"])
def test_path_writes_the_block_as_svg_and_dot_with_every_layer_and_shape(reslab, tmp_path, script, layers):
    proc = session(reslab, script + "%path y --svg block.svg --dot block.dot\n", tmp_path)
    out = proc.stdout.decode()
    assert proc.returncode == 0, out + proc.stderr.decode()
    block = "res2b" if script is IDENTITY else "res3a"
    assert f"wrote {block} (the block that made y) as SVG to 'block.svg' ({len(layers)} layers)" in out
    assert f"wrote {block} (the block that made y) as DOT to 'block.dot' ({len(layers)} layers)" in out

    shown = texts(tmp_path / "block.svg")
    for name, shape in layers.items():
        assert name in shown, name
        # The shape stands right after the layer's name and class, in the same box.
        assert shown[shown.index(name) + 2] == shape, name
    shortcut = "shortcut: identity (the input itself)" if script is IDENTITY else "shortcut: 1x1 projection, stride 2"
    assert shortcut in shown

    image = render_svg(tmp_path / "block.svg", tmp_path)
    image.load()
    assert image.width > 400 and image.height > 800
    assert len(image.convert("RGB").getcolors(1 << 24)) > 20, "the picture holds colours, not a blank page"

    dot_text = (tmp_path / "block.dot").read_text()
    for name, shape in layers.items():
        assert f'{name}\\n' in dot_text and shape in dot_text, name
    assert ("_shortcut {" in dot_text) == (script is CONV)
    graph = render_dot(tmp_path / "block.dot", tmp_path)
    graph.load()
    assert graph.width > 100 and graph.height > 500


def test_the_shortcut_is_drawn_beside_the_main_path(reslab, tmp_path):
    proc = session(reslab, CONV + "%path y --svg conv.svg\n", tmp_path)
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()
    root = ET.parse(tmp_path / "conv.svg").getroot()
    x_of = {}
    for text in root.iter(SVG + "text"):
        x_of.setdefault("".join(text.itertext()), float(text.get("x")))
    assert x_of["res3a_branch1"] > x_of["res3a_branch2a"] + 100
    assert x_of["bn3a_branch1"] == x_of["res3a_branch1"]
    assert x_of["res3a_branch2c"] == x_of["res3a_branch2a"] == x_of["add_1"]


def test_diagram_writes_the_whole_resnet50(reslab, tmp_path):
    proc = session(reslab, "model = ResNet50()\n%diagram model --svg model.svg --dot model.dot\n", tmp_path)
    out = proc.stdout.decode()
    assert proc.returncode == 0, out + proc.stderr.decode()
    assert "wrote model as SVG to 'model.svg' (177 layers)" in out
    shown = texts(tmp_path / "model.svg")
    assert shown[0] == "resnet50: 177 layers"
    for name in ["conv1", "bn_conv1", "res2a_branch1", "res5c_branch2c", "avg_pool", "fc1000"]:
        assert name in shown, name
    blocks = [f"res{stage}{block}" for stage, count in [(2, 3), (3, 4), (4, 6), (5, 3)] for block in "abcdef"[:count]]
    assert [t for t in shown if t in blocks] == blocks
    image = render_svg(tmp_path / "model.svg", tmp_path)
    image.load()
    assert image.height > 10 * image.width

    dot_text = (tmp_path / "model.dot").read_text()
    assert dot_text.count("subgraph cluster_block") == 16 + 4
    assert dot_text.count('[label="identity"') == 12
    graph = render_dot(tmp_path / "model.dot", tmp_path)
    graph.load()
    assert graph.height > 5000


def test_layer_names_with_markup_are_escaped(reslab, tmp_path):
    script = """\
x = Input(shape=(8, 8, 4))
m = Conv2D(4, (1, 1), name='a<b>&"c\\'\\\\d')(x)
y = layers.add([m, x])
%path y --svg odd.svg --dot odd.dot
"""
    proc = session(reslab, script, tmp_path)
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()
    assert "a<b>&\"c'\\d" in texts(tmp_path / "odd.svg")
    render_svg(tmp_path / "odd.svg", tmp_path).load()
    render_dot(tmp_path / "odd.dot", tmp_path).load()


def test_a_file_in_a_missing_directory_is_one_error_line_and_nothing_is_written(reslab, tmp_path):
    proc = session(reslab, IDENTITY + "%path y --svg block.svg --dot no_such_dir/block.dot\n"
                   "%diagram y --svg no_such_dir/model.svg\n", tmp_path)
    out = proc.stdout.decode()
    assert proc.returncode == 1
    errors = [line for line in out.splitlines() if line.startswith("error:")]
    assert errors == [
        "error: cannot write 'no_such_dir/block.dot': No such file or directory",
        "error: cannot write 'no_such_dir/model.svg': No such file or directory",
    ], out
    assert sorted(p.name for p in tmp_path.iterdir() if p.name not in ("cache", "state")) == [], \
        "neither file, nor a temporary one, is left behind"


def test_the_written_line_is_in_chinese_too(reslab, tmp_path):
    proc = session(reslab, IDENTITY + "%path y --svg 块.svg\n", tmp_path, "--lang", "zh")
    out = proc.stdout.decode()
    assert proc.returncode == 0, out + proc.stderr.decode()
    assert "已把 res2b（生成 y 的块）以 SVG 格式写入 '块.svg'（11 层）" in out
    assert "捷径：恒等（就是输入本身）" in texts(tmp_path / "块.svg")
