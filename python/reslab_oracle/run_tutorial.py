"""Run a script written for the tutorial's Keras (`from keras.layers import Conv2D`, ...) under tf_keras.

    python -m reslab_oracle.run_tutorial SCRIPT.py

runs SCRIPT.py as `__main__` in the current directory, the way `python SCRIPT.py` ran it with the
Keras 2 of 2017: every `keras...` module the tutorial imports is the tf_keras module that holds the
same names (listed in ALIASES, set in `sys.modules` before the script runs, so an installed Keras 3 is
never imported), and `decode_predictions` reads the ImageNet class index reslab ships instead of
downloading it. The tests run tests/fixtures/tutorial.py with it, to check that the fixture is the
tutorial's network independently of reslab.
"""
import argparse
import importlib
import runpy
import sys

import reslab_oracle

# The tutorial's `keras` modules, and the tf_keras modules that stand for them.
ALIASES = {
    "keras": "tf_keras",
    "keras.layers": "tf_keras.layers",
    "keras.models": "tf_keras.models",
    "keras.preprocessing": "tf_keras.preprocessing",
    "keras.preprocessing.image": "tf_keras.preprocessing.image",
    "keras.backend": "tf_keras.backend",
    "keras.utils": "tf_keras.utils",
    "keras.utils.data_utils": "tf_keras.src.utils.data_utils",  # `get_file`, not exported any more
    "keras.applications": "tf_keras.applications",
    "keras.applications.imagenet_utils": "tf_keras.applications.imagenet_utils",
}


def alias_keras():
    """Make `import keras...` give tf_keras's modules (ALIASES) in this process."""
    reslab_oracle.import_tensorflow_quietly()
    for name, target in ALIASES.items():
        sys.modules[name] = importlib.import_module(target)
    from reslab_oracle import reference

    reference.keras_decode_predictions()  # fills the class index before the script's first call


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m reslab_oracle.run_tutorial",
        description="Run a script that imports the tutorial's `keras` modules under tf_keras.",
    )
    parser.add_argument("script", help="the Python file, run as __main__ in the current directory")
    args = parser.parse_args(argv)
    alias_keras()
    sys.argv = [args.script]
    runpy.run_path(args.script, run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
