"""`%cam`, `%features` and `reslab classify --cam` against Keras itself, on seeded random weights.

The weights are the session's seeded files (python/reslab_oracle/make_weights.py, written by tf-keras in
Keras's layout, seeds in reslab_oracle.FIXTURE_SEEDS); Keras's activations come from
`keras.Model(model.inputs, layer.output)` on the tutorial's preprocessing of the same image.

* Class activation map: `%cam [CLASS] --npy FILE` writes the raw 7x7 map (float32 .npy). It must equal,
  within 1e-4, numpy's Σ_k W[k, c] · A[:, :, k], with A the input of Keras's `avg_pool` layer and W the
  kernel of the last Dense layer, for the top class and for a class named by its label, on both variants.
* Feature maps: the PNG decodes, has the size reslab states, and within every tile the pixels' luminance
  (viridis grows lighter with the value) ranks the values as Keras's channel does (Spearman > 0.99).
  For an add layer, the three panels are the layer's two inputs and its output.

Run: `swift build` then `python -m pytest tests/test_pictures_oracle.py` (or set RESLAB_BIN).
"""
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

TOLERANCE = 1e-4
IMAGE = "chelsea.png"
RUN_TIMEOUT = 900
MAX_LUMINANCE_DROP = 2.5  # Rec. 601 luma; viridis's steps are about 0.7 each
ENGLISH = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
GAP, PANEL_GAP = 2, 8  # pixels between tiles and between an add layer's panels (FeatureGridLayout)


def _prompt(reslab, lines, cwd):
    proc = subprocess.run([str(reslab), "--lang", "en"], input="\n".join(lines) + "\n", capture_output=True,
                          text=True, timeout=RUN_TIMEOUT, cwd=cwd)
    assert proc.returncode == 0 and "error:" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    return proc.stdout


def _keras_output(model, layer_output, image):
    import tf_keras
    from reslab_oracle import reference

    return tf_keras.Model(model.inputs, layer_output).predict(reference.preprocess(image), verbose=0)[0]


def _spearman(a, b):
    def ranks(x):
        order = np.argsort(x, kind="stable")
        r = np.empty(len(x))
        r[order] = np.arange(len(x))
        sorted_x = x[order]  # average the ranks of ties
        start = 0
        for end in range(1, len(x) + 1):
            if end == len(x) or sorted_x[end] != sorted_x[start]:
                r[order[start:end]] = (start + end - 1) / 2
                start = end
        return r

    ra, rb = ranks(np.asarray(a, float)), ranks(np.asarray(b, float))
    return float(np.corrcoef(ra, rb)[0, 1])


# ---------------------------------------------------------------- class activation map
@pytest.mark.parametrize("variant", reslab_oracle.VARIANTS)
def test_cam_is_the_dense_weighted_sum_of_the_pooled_activations(reslab, keras_case, keras_model, sample_images,
                                                                 variant, tmp_path):
    weights = keras_case(variant)["weights"]
    image = sample_images[IMAGE]
    out = _prompt(reslab, [
        f"%classify '{image}' --weights '{weights}'",
        "%cam --npy top.npy --png top.png",
        "%cam tusker --npy tusker.npy",
    ], tmp_path)

    model = keras_model(variant)
    features = _keras_output(model, model.get_layer("avg_pool").input, image)  # (7, 7, 2048)
    kernel = model.layers[-1].get_weights()[0]  # (2048, 1000)
    probs = [r for r in keras_case(variant)["results"] if r["image"] == str(image)][0]["probs"]
    top = int(np.argmax(probs))
    tusker = 101
    for name, c in (("top", top), ("tusker", tusker)):
        expected = np.einsum("hwk,k->hw", features.astype(np.float64), kernel[:, c].astype(np.float64))
        ours = np.load(tmp_path / f"{name}.npy")
        assert ours.dtype == np.float32 and ours.shape == (7, 7)
        diff = np.abs(ours - expected).max()
        assert diff <= TOLERANCE, f"{variant} {name}: max abs diff {diff:.3g}"
    assert f"({top}), probability {probs[top]:.4f}" in out, out
    assert "(101), probability" in out and "[RANDOM" not in out, out

    from PIL import Image

    assert Image.open(tmp_path / "top.png").size == (224, 224)


def test_classify_cam_writes_the_top_class_map(reslab, keras_case, sample_images, tmp_path):
    from PIL import Image

    weights = keras_case("tutorial")["weights"]
    png = tmp_path / "cam.png"
    proc = subprocess.run([str(reslab), "classify", str(sample_images[IMAGE]), "--weights", str(weights), "--cam",
                           str(png)], capture_output=True, text=True, timeout=RUN_TIMEOUT, env=ENGLISH)
    assert proc.returncode == 0, proc.stderr
    assert "class activation map of" in proc.stdout and f"wrote {png} (224×224 PNG)" in proc.stdout
    assert Image.open(png).size == (224, 224)

    two = subprocess.run([str(reslab), "classify", str(sample_images[IMAGE]),
                          str(sample_images[IMAGE]), "--random-weights", "--cam", str(tmp_path / "two.png")],
                         capture_output=True, text=True, timeout=RUN_TIMEOUT, env=ENGLISH)
    assert two.returncode != 0 and "--cam takes one image" in two.stderr and not (tmp_path / "two.png").exists()


# ---------------------------------------------------------------- feature maps
def _grid(count, height, width):
    columns = int(np.ceil(np.sqrt(count)))
    rows = -(-count // columns)
    scale = max(1, 64 // max(height, width))
    return columns, rows, scale, columns * width * scale + (columns - 1) * GAP, rows * height * scale + (rows - 1) * GAP


def _tile_luminance(picture, panel, channel, layout, height, width):
    columns, _, scale, grid_width, _ = layout
    x0 = panel * (grid_width + PANEL_GAP) + (channel % columns) * (width * scale + GAP)
    y0 = (channel // columns) * (height * scale + GAP)
    centres_y = y0 + np.arange(height) * scale + scale // 2
    centres_x = x0 + np.arange(width) * scale + scale // 2
    rgb = picture[np.ix_(centres_y, centres_x)].astype(float)
    return rgb @ np.array([0.299, 0.587, 0.114])


@pytest.mark.parametrize("variant,layer,count", [
    ("tutorial", "res2a_branch2c", 16),
    ("tutorial", "bn3a_branch1", 9),
    ("keras-applications", "conv4_block2_out", 16),
    ("keras-applications", "conv2_block1_add", 4),
])
def test_feature_maps_follow_keras_activations(reslab, keras_case, keras_model, sample_images, variant, layer,
                                               count, tmp_path):
    from PIL import Image

    weights = keras_case(variant)["weights"]
    image = sample_images[IMAGE]
    out = _prompt(reslab, [f"%classify '{image}' --weights '{weights}'", f"%features {layer} {count} --png f.png"],
                  tmp_path)
    model = keras_model(variant)
    keras_layer = model.get_layer(layer)
    if type(keras_layer).__name__ == "Add":
        panels = [_keras_output(model, t, image) for t in keras_layer.input] + [_keras_output(model, keras_layer.output, image)]
    else:
        panels = [_keras_output(model, keras_layer.output, image)]
    height, width = panels[0].shape[:2]
    layout = _grid(count, height, width)
    size = (len(panels) * layout[3] + (len(panels) - 1) * PANEL_GAP, layout[4])
    stated = re.search(r"wrote f\.png \((\d+)×(\d+) PNG\)", out)
    assert stated and (int(stated[1]), int(stated[2])) == size, out
    picture = np.asarray(Image.open(tmp_path / "f.png").convert("RGB"))
    assert picture.shape == (size[1], size[0], 3)

    shown = np.stack([p[:, :, :count] for p in panels])
    span = shown.max() - shown.min()
    for p, values in enumerate(panels):
        everything = ([], [])
        for c in range(count):
            keras_values = values[:, :, c].ravel()
            luminance = _tile_luminance(picture, p, c, layout, height, width).ravel()
            everything[0].extend(luminance)
            everything[1].extend(keras_values)
            where = f"{variant} {layer} panel {p} channel {c}"
            # Larger values are never darker: sorted by Keras's value, the luminance does not fall by more
            # than a colour step or two (values a rounding apart may land on either side of a step).
            by_value = luminance[np.argsort(keras_values, kind="stable")]
            drop = float((np.maximum.accumulate(by_value) - by_value).max())
            assert drop <= MAX_LUMINANCE_DROP, f"{where}: a larger value is darker by {drop:.1f}"
            # 256 colours span the whole grid: a channel of narrow range gets few of them, and ties in the
            # picture cap its rank correlation; the ranking is compared where the channel spans a quarter.
            if keras_values.max() - keras_values.min() >= span / 4:
                rho = _spearman(luminance, keras_values)
                assert rho > 0.99, f"{where}: Spearman {rho:.4f}"
        rho = _spearman(*everything)
        assert rho > 0.99, f"{variant} {layer} panel {p}: Spearman {rho:.4f} over the grid"
    stated_range = re.search(r"values (\S+) … (\S+) on one scale", out)
    assert stated_range, out
    np.testing.assert_allclose([float(stated_range[1]), float(stated_range[2])], [shown.min(), shown.max()],
                               rtol=5e-3, atol=1e-3)
