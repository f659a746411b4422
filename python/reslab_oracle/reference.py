"""Keras's own predictions for a weights file, the tutorial's way.

    python -m reslab_oracle.reference --variant tutorial|keras-applications --weights FILE.h5 IMAGE... [--top K]

prints one JSON array on stdout:

    [{"image": PATH, "probs": [1000 floats], "predicted": [[wnid, label, prob], ...top K]}, ...]

Each image goes through exactly the tutorial's pipeline:
`image.load_img(path, target_size=(224, 224))` (PIL, RGB conversion, NEAREST resize) -> `img_to_array`
-> `np.expand_dims` -> `preprocess_input` (caffe mode: RGB->BGR, minus the ImageNet channel means)
-> `model.predict`. `predicted` is what `decode_predictions(preds, top=K)[0]` returns, with the class
index read from the copy reslab ships (`Sources/ResNetIO/Resources/imagenet_class_index.json`)
instead of being downloaded.
"""
import argparse
import functools
import json
import pathlib
import re
import sys

import numpy as np

import reslab_oracle
from reslab_oracle import models

REPO = pathlib.Path(__file__).resolve().parents[2]
CLASS_INDEX_PATH = REPO / "Sources" / "ResNetIO" / "Resources" / "imagenet_class_index.json"

_class_index = None


def class_index():
    """{"0": ["n01440764", "tench"], ...}: the file decode_predictions would download."""
    global _class_index
    if _class_index is None:
        with open(CLASS_INDEX_PATH) as f:
            _class_index = json.load(f)
    return _class_index


def keras_decode_predictions():
    """`tf_keras.applications.imagenet_utils.decode_predictions`, with the class index it would download.

    Keras keeps the class index in the module global CLASS_INDEX and downloads it only while that is
    None, so it is filled from the local copy first; every later call, the tutorial's own too, reads it.
    """
    from tf_keras.applications.imagenet_utils import decode_predictions as keras_decode

    module_globals = keras_decode.__globals__
    if "CLASS_INDEX" not in module_globals:  # a tf_keras that moved the cache: don't let it download
        raise RuntimeError("tf_keras decode_predictions no longer keeps CLASS_INDEX; update reference.py")
    if module_globals["CLASS_INDEX"] is None:
        module_globals["CLASS_INDEX"] = class_index()
    return keras_decode


def decode_predictions(preds, top=5):
    """`tf_keras.applications.imagenet_utils.decode_predictions`, itself, without the download.

    Output: one list per image of (wnid, label, np.float32 score) tuples, best first, as the tutorial
    prints them.
    """
    return keras_decode_predictions()(np.asarray(preds), top=top)


_PREDICTED_TUPLE = re.compile(
    r"""\(\s*(['"])(n\d{8})\1\s*,\s*(['"])(.*?)\3\s*,\s*(?:np\.float32\(\s*)?([-+0-9.eE]+)\s*\)?\s*\)"""
)


def parse_predicted(text):
    """Every decode_predictions list printed on `Predicted:` lines, in order: [[(wnid, label, prob)]].

    Accepts one line per image (`Predicted: [[(...), ...]]`, the tutorial's print for one image) as well
    as one line for a batch (`Predicted: [[...], [...]]`); labels may be in '...' or "..." (Python's repr
    of "jack-o'-lantern"), probabilities plain or as np.float32(...). A line naming `Predicted:` without
    such a list (the tutorial's `print('Predicted:', ...)` itself, echoed) gives nothing.
    """
    groups = []
    for line in text.splitlines():
        if "Predicted:" not in line:
            continue
        body = line.split("Predicted:", 1)[1]
        for inner in re.finditer(r"\[([^\[\]]*)\]", body):
            groups.append(
                [(m.group(2), m.group(4), float(m.group(5))) for m in _PREDICTED_TUPLE.finditer(inner.group(1))]
            )
    return groups


def top_indices(probs, k=5):
    """Indices of the k largest probabilities, largest first (decode_predictions's order)."""
    return [int(i) for i in np.asarray(probs).argsort()[-k:][::-1]]


def preprocess(path):
    """The tutorial's preprocessing of one image file: a float32 array of shape (1, 224, 224, 3)."""
    from tf_keras.applications.imagenet_utils import preprocess_input
    from tf_keras.preprocessing import image

    img = image.load_img(str(path), target_size=(224, 224))
    x = image.img_to_array(img)
    x = np.expand_dims(x, axis=0)
    return preprocess_input(x)  # default mode 'caffe'


def predict(model, image_paths, top=5):
    """Run `model` on each image, one `predict` call per image as the tutorial does.

    Returns [{"image": str(path), "probs": np.ndarray(1000, float32), "predicted": [(wnid, label, p)...]}].
    """
    results = []
    for path in image_paths:
        preds = model.predict(preprocess(path), verbose=0)
        results.append({
            "image": str(path),
            "probs": preds[0].astype(np.float32),
            "predicted": decode_predictions(preds, top=top)[0],
        })
    return results


def load_model(variant, weights, cached=False):
    """The `variant` model with `weights` loaded by `model.load_weights` (reused per process if cached)."""
    model = models.cached(variant) if cached else models.build(variant)
    model.load_weights(str(weights))
    return model


@functools.lru_cache(maxsize=None)
def seeded_case(variant, seed, directory, images, top=5):
    """Seeded weights for `variant` in `directory` and Keras's predictions for `images` (a tuple).

    Writes `<directory>/<variant>-seed<seed>.h5` with make_weights, then - like the tutorial - loads
    that file into the model and predicts every image. Memoised per process, and the model is built
    once per variant, so test modules can share the (seconds-long) work.
    Returns {"weights": pathlib.Path, "results": [predict(...) entries]}.
    """
    from reslab_oracle import make_weights

    directory = pathlib.Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    weights = directory / f"{variant}-seed{seed}.h5"
    model = models.cached(variant)
    make_weights.write_weights(variant, seed, weights, model=model)
    model.load_weights(str(weights))
    return {"weights": weights, "results": predict(model, images, top=top)}


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m reslab_oracle.reference",
        description="Print Keras's ResNet50 probabilities for images as JSON.",
    )
    parser.add_argument("--variant", choices=reslab_oracle.VARIANTS, required=True)
    parser.add_argument("--weights", required=True, help="Keras HDF5 weights file")
    parser.add_argument("--top", type=int, default=5, help="entries in 'predicted' (default 5)")
    parser.add_argument("images", nargs="+")
    args = parser.parse_args(argv)
    try:
        model = load_model(args.variant, args.weights)
        results = predict(model, args.images, top=args.top)
    except (OSError, ValueError) as error:
        print(f"reference: {error}", file=sys.stderr)
        return 1
    out = [
        {
            "image": r["image"],
            "probs": [float(p) for p in r["probs"]],
            "predicted": [[w, l, float(p)] for w, l, p in r["predicted"]],
        }
        for r in results
    ]
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
