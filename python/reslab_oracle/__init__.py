"""reslab_oracle: independent Python references for the `reslab` Swift program.

* `models`       - the tutorial's ResNet50 (transcribed) and `tf_keras.applications.ResNet50`.
* `make_weights` - seeded random weights written by Keras itself (`model.save_weights`, legacy HDF5 layout).
* `reference`    - Keras predictions (`load_img` -> `preprocess_input` -> `predict` -> `decode_predictions`),
                   and reading printed `Predicted:` lines back.
* `onnx_graph`   - the same network rebuilt from the HDF5 file as an ONNX graph (for onnxruntime timings).
* `run_tutorial` - a script written for the tutorial's `keras` imports, run under tf_keras.

Importing this package sets TensorFlow's environment (quiet logs, CPU only) *before* TensorFlow is
imported, so every entry point (`python -m reslab_oracle.make_weights`, `...reference`, the tests)
prints nothing but its result and real errors.
"""
import os

# Must happen before the first `import tensorflow` / `import tf_keras` anywhere in the process.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # no INFO/WARNING/ERROR chatter from the C++ runtime
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")  # CPU only, even where a GPU build is installed
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")  # tf.keras -> tf_keras (Keras 2), as the tutorial uses


def import_tensorflow_quietly():
    """Import tensorflow and tf_keras with file descriptor 2 pointed at /dev/null.

    TensorFlow's C++ side logs a few lines (oneDNN notice, "Could not find cuda drivers") through absl
    *before* TF_CPP_MIN_LOG_LEVEL is consulted; the only way to silence them is to hide stderr while
    the shared libraries load. Python exceptions raised by the import still propagate normally.
    """
    import sys

    if "tensorflow" in sys.modules and "tf_keras" in sys.modules:
        return
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import tensorflow  # noqa: F401
        import tf_keras  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


VARIANTS = ("tutorial", "keras-applications")

# Batch-normalisation epsilon of each variant (Keras layer defaults as the two models construct them).
BN_EPSILON = {"tutorial": 1e-3, "keras-applications": 1.001e-5}

# Name of the classifier (Dense) layer of each variant.
CLASSIFIER_LAYER = {"tutorial": "fc1000", "keras-applications": "predictions"}

# Seeds of the test fixtures. Chosen (from 1..30) so that on every sample image in
# Lessons/images the top-1 probability is 0.05-0.45, the six images get six different top-1
# classes, and consecutive probabilities among the top 6 differ by more than 1e-3 (so the top-5 order
# can't flip within the 1e-4 agreement tolerance).
FIXTURE_SEEDS = {"tutorial": 27, "keras-applications": 11}

# A layer name that only the given variant has; used to detect the variant from a weights file.
SIGNATURE_LAYER = {"tutorial": "res2a_branch2a", "keras-applications": "conv2_block1_1_conv"}


def detect_variant(layer_names) -> str:
    """Return the variant whose signature layer is among `layer_names`.

    Raises ValueError when neither (or both) are present.
    """
    names = set(layer_names)
    found = [v for v, sig in SIGNATURE_LAYER.items() if sig in names]
    if len(found) != 1:
        raise ValueError(
            "cannot tell the ResNet50 variant from the layer names (expected one of "
            + ", ".join(f"'{s}' ({v})" for v, s in SIGNATURE_LAYER.items())
            + ")"
        )
    return found[0]
