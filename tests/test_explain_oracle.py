"""`%explain LAYER (h, w, c)` against Keras itself: every number it works out by hand is a layer output.

tf-keras writes seeded random weights for the tutorial's ResNet50 (make_weights, the same seed as the
other oracle tests), reslab classifies a sample image with them (`%classify IMAGE --weights FILE`) and
explains elements with `--json`; Keras runs the same image through the same file and gives every
intermediate layer output (`keras.Model(model.input, layer.output)`). For each explained element:

* the conv step's value (its dot product plus bias) equals Keras's conv output there;
* the batch norm step's value, and its folded form (the engine's kernel · scale and folded bias),
  equal Keras's batch norm output there;
* the ReLU step equals Keras's activation output, and so does the value the network computed;
* an add's two inputs and its sum equal Keras's main path, shortcut and add outputs;

all within 1e-4 (relative above 1). The text form's last line shows the network's value, which
must agree with Keras's to its four significant digits. Indices are picked from Keras's outputs so
that both signs of the batch norm output (ReLU passing and cutting) and the padded border of a 3x3
`same` convolution are covered.

Run: `swift build` then `python -m pytest tests/test_explain_oracle.py` (or set RESLAB_BIN).
"""
import json
import pathlib
import re
import subprocess

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent

TOLERANCE = 1e-4
IMAGE = ROOT / "Lessons" / "images" / "chelsea.png"


def close(a, b):
    return abs(a - b) <= TOLERANCE * max(1.0, abs(b))


@pytest.fixture(scope="session")
def keras_outputs(keras_model):
    """name -> Keras's output of that layer for the sample image (batch left out), by explicit names;
    `after:NAME` is the layer right after NAME (the automatically named Activation or Add)."""
    import tf_keras as keras
    from reslab_oracle import reference

    model = keras_model("tutorial")
    named = ["conv1", "bn_conv1", "res2a_branch2b", "bn2a_branch2b", "bn2a_branch2c", "bn2a_branch1",
             "res3a_branch1", "bn3a_branch1"]
    after = ["bn_conv1", "bn2a_branch2b", "bn2a_branch2c"]
    layers = [model.get_layer(n) for n in named] + [_next_layer(model, n) for n in after]
    probe = keras.Model(model.input, [layer.output for layer in layers])
    values = probe.predict(reference.preprocess(IMAGE), verbose=0)
    out = {n: v[0] for n, v in zip(named, values)}
    for n, v in zip(after, values[len(named):]):
        out["after:" + n] = v[0]
    # The ReLU after the add that follows bn2a_branch2c.
    add = _next_layer(model, "bn2a_branch2c")
    relu = _next_layer(model, add.name)
    out["after:add"] = keras.Model(model.input, relu.output).predict(reference.preprocess(IMAGE), verbose=0)[0]
    return out


def _next_layer(model, name):
    (node,) = model.get_layer(name).outbound_nodes
    return node.outbound_layer


def _first_index(array, condition, border=False):
    """The first (h, w, c) where `condition` holds, on the last column if `border`."""
    h, w, c = np.argwhere(condition(array[:, -1:, :] if border else array))[0]
    return (int(h), int(array.shape[1] - 1) if border else int(w), int(c))


@pytest.fixture(scope="session")
def cases(keras_outputs):
    """(reslab layer, index) pairs to explain, chosen from Keras's outputs."""
    k = keras_outputs
    return {
        "relu_passes": ("activation_1", _first_index(k["bn_conv1"][20:], lambda a: a > 0.5), 20),
        "relu_cuts": ("activation_1", _first_index(k["bn_conv1"][30:], lambda a: a < -0.5), 30),
        "same_border": ("activation_3", _first_index(k["bn2a_branch2b"][1:-1], lambda a: a > 0.2, border=True), 1),
        "add": ("add_1", (7, 9, 11), 0),
        "add_relu": ("activation_4", (7, 9, 11), 0),
        "strided_bn": ("bn3a_branch1", (5, 6, 7), 0),
    }


@pytest.fixture(scope="session")
def reslab_explained(reslab, keras_case, cases, tmp_path_factory):
    """reslab's JSON for every case, and the text of the first, from one session."""
    weights = keras_case("tutorial")["weights"]
    lines = [f"%classify '{IMAGE}' --weights '{weights}'"]
    for layer, (h, w, c), offset in cases.values():
        lines.append(f"%explain {layer} ({h + offset}, {w}, {c}) --json")
    first_layer, (h, w, c), offset = cases["relu_passes"]
    lines.append(f"%explain {first_layer} {h + offset} {w} {c}")
    script = tmp_path_factory.mktemp("explain-run") / "cells.py"
    script.write_text("\n".join(lines) + "\n")
    proc = subprocess.run([str(reslab), "run", str(script)], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    objects = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert len(objects) == len(cases), proc.stdout[-3000:]
    return dict(zip(cases, objects)), proc.stdout


def _at(array, index):
    return float(array[tuple(index)])


def _steps(explained):
    return {step["layer"]: step for step in explained["steps"]}


def test_conv_bn_relu_chain_equals_keras_layer_outputs(reslab_explained, keras_outputs, cases):
    explained, _ = reslab_explained
    k = keras_outputs
    for case in ("relu_passes", "relu_cuts"):
        e = explained[case]
        index = e["index"]
        assert [s["layer"] for s in e["steps"]] == ["conv1", "bn_conv1", "activation_1"]
        steps = _steps(e)
        assert close(steps["conv1"]["value"], _at(k["conv1"], index)), (case, steps["conv1"], _at(k["conv1"], index))
        assert steps["conv1"]["products"] == 7 * 7 * 3
        assert close(steps["bn_conv1"]["input_value"], _at(k["conv1"], index))
        assert close(steps["bn_conv1"]["value"], _at(k["bn_conv1"], index))
        assert close(steps["bn_conv1"]["folded"], _at(k["bn_conv1"], index))
        assert close(steps["activation_1"]["value"], _at(k["after:bn_conv1"], index))
        assert close(e["network"], _at(k["after:bn_conv1"], index))
    # One case where the ReLU passes the value and one where it cuts it to 0.
    assert _steps(explained["relu_passes"])["activation_1"]["value"] > 0.5
    assert _steps(explained["relu_cuts"])["activation_1"]["value"] == 0


def test_same_padding_border_counts_only_the_inside_products(reslab_explained, keras_outputs):
    explained, _ = reslab_explained
    e = explained["same_border"]
    index = e["index"]
    assert index[1] == 54
    assert [s["layer"] for s in e["steps"]] == ["res2a_branch2b", "bn2a_branch2b", "activation_3"]
    steps = _steps(e)
    assert steps["res2a_branch2b"]["products"] == 3 * 2 * 64  # the right column of the window is padding
    assert close(steps["res2a_branch2b"]["value"], _at(keras_outputs["res2a_branch2b"], index))
    assert close(steps["bn2a_branch2b"]["value"], _at(keras_outputs["bn2a_branch2b"], index))
    assert close(steps["bn2a_branch2b"]["folded"], _at(keras_outputs["bn2a_branch2b"], index))
    assert close(steps["activation_3"]["value"], _at(keras_outputs["after:bn2a_branch2b"], index))


def test_add_inputs_and_sum_equal_keras(reslab_explained, keras_outputs):
    explained, _ = reslab_explained
    k = keras_outputs
    for case in ("add", "add_relu"):
        e = explained[case]
        index = e["index"]
        add = e["steps"][0]
        assert add["kind"] == "Add"
        assert [i["layer"] for i in add["inputs"]] == ["bn2a_branch2c", "bn2a_branch1"]
        assert close(add["inputs"][0]["value"], _at(k["bn2a_branch2c"], index))
        assert close(add["inputs"][1]["value"], _at(k["bn2a_branch1"], index))
        assert close(add["value"], _at(k["after:bn2a_branch2c"], index))
    assert close(explained["add"]["relu_after"]["value"], _at(k["after:add"], explained["add"]["index"]))
    relu = explained["add_relu"]
    assert [s["layer"] for s in relu["steps"]] == ["add_1", "activation_4"]
    assert close(relu["steps"][-1]["value"], _at(k["after:add"], relu["index"]))
    assert close(relu["network"], _at(k["after:add"], relu["index"]))


def test_strided_shortcut_batch_norm_equals_keras(reslab_explained, keras_outputs):
    explained, _ = reslab_explained
    e = explained["strided_bn"]
    steps = _steps(e)
    assert list(steps) == ["res3a_branch1", "bn3a_branch1"]
    assert steps["res3a_branch1"]["products"] == 256
    assert close(steps["res3a_branch1"]["value"], _at(keras_outputs["res3a_branch1"], e["index"]))
    assert close(steps["bn3a_branch1"]["value"], _at(keras_outputs["bn3a_branch1"], e["index"]))
    assert close(steps["bn3a_branch1"]["folded"], _at(keras_outputs["bn3a_branch1"], e["index"]))


def test_text_ends_with_the_value_the_network_computed(reslab_explained, keras_outputs):
    explained, stdout = reslab_explained
    index = explained["relu_passes"]["index"]
    text = stdout[stdout.index("how activation_1"):]
    assert "conv1 → bn_conv1 → activation_1" in text
    assert max(len(line) for line in text.splitlines()) <= 80
    match = re.search(r"^= (\S+), the value the network computed for activation_1\[(\d+), (\d+), (\d+)\]$", text, re.M)
    assert match, text
    assert [int(match.group(i)) for i in (2, 3, 4)] == index
    assert match.group(1) == f"{_at(keras_outputs['after:bn_conv1'], index):.4g}"


def test_explain_before_a_forward_pass_is_one_error_line(reslab, tmp_path):
    script = tmp_path / "cells.py"
    script.write_text("%explain conv1 (1, 2, 3)\n")
    proc = subprocess.run([str(reslab), "run", str(script)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0
    assert "run model.predict(x) or %classify IMAGE first" in proc.stderr
