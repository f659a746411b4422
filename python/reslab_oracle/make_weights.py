"""Seeded random weights for a ResNet50 variant, saved by Keras in its legacy HDF5 layout.

    python -m reslab_oracle.make_weights --variant tutorial|keras-applications --seed N --out FILE.h5 [--notop]

The file is written by `model.save_weights(FILE.h5)`: root attribute `layer_names`, one group per layer
with a `weight_names` attribute, datasets `<layer>/<layer>/<kernel:0|bias:0|gamma:0|...>`. That is the
layout of the tutorial's `resnet50_weights_tf_dim_ordering_tf_kernels.h5`, and what reslab reads.

Every value comes from `numpy.random.default_rng(seed)`, drawn layer by layer in `model.layers` order,
so a seed always gives the same file (bit for bit on one machine; the classifier depends on a
float32 forward pass, see below, so another CPU or thread count may change its last bits). The
distributions keep a 50-layer random network well behaved:

* conv kernels: He-normal, N(0, 2/fan_in); `conv1` is further divided by 64 because the caffe-
  preprocessed input has an RMS of 40-130 instead of 1. Conv biases N(0, 0.02).
* batch norm: gamma U(0.5, 1.5), beta N(0, 0.1), moving_mean N(0, 0.1), moving_variance U(0.5, 2).
  The last BN of each block's main path (`..._branch2c` / `..._3_bn`) gets gamma U(0.1, 0.3), so
  identity blocks add a small correction to the residual stream instead of doubling it.
* classifier: kernel N(0, DENSE_GAIN^2 / 2048), bias N(0, 0.1), then every kernel column is made
  orthogonal to the network's mean feature vector. The 2048 pooled features of a random ReLU network
  are all positive and mostly a common pattern times the image's contrast; without this step every
  image gets the same top classes and its contrast alone sets how peaked the softmax is. The mean
  feature vector is measured on CALIBRATION_IMAGES seeded synthetic images (multi-scale noise with
  the contrast of caffe-preprocessed photos), drawn from the same generator after the conv/BN weights,
  so the file is still a function of the seed alone. The result: different images get different
  classes, with top-1 probabilities of roughly 0.05-0.7.

`--notop` writes the same network without its Dense classifier ('fc1000' / 'predictions'), to test that
reslab refuses such a file. Prints nothing except errors.
"""
import argparse
import os
import sys

import numpy as np

import reslab_oracle

CONV_BIAS_STD = 0.02
CONV1_INPUT_SCALE = 1.0 / 64.0  # caffe-preprocessed pixels have RMS ~40-130
BN_GAMMA = (0.5, 1.5)
BN_GAMMA_LAST = (0.1, 0.3)  # last BN of a block's main path
BN_BETA_STD = 0.1
BN_MEAN_STD = 0.1
BN_VARIANCE = (0.5, 2.0)
DENSE_GAIN = 10.0  # kernel std = DENSE_GAIN / sqrt(fan_in), before the projection
DENSE_BIAS_STD = 0.1
CALIBRATION_IMAGES = 8


def _is_last_main_bn(name):
    return name.endswith("_branch2c") or name.endswith("_3_bn")


def _is_stem_conv(name):
    return name in ("conv1", "conv1_conv")


def synthetic_images(rng, count):
    """`count` preprocessed-looking inputs (N, 224, 224, 3): sums of noise at 4..224 px scales.

    Each has zero-mean structure at every scale, an RMS of about 60 plus a random colour cast, and is
    clipped to the caffe range [-124, 152], like a photo after `preprocess_input`.
    """
    images = []
    for _ in range(count):
        img = np.zeros((224, 224, 3))
        for cells in (4, 8, 16, 32, 56, 112, 224):
            noise = rng.normal(0.0, 1.0, (cells, cells, 3))
            img += np.kron(noise, np.ones((224 // cells, 224 // cells, 1))) / np.sqrt(cells)
        img = img / img.std() * 60.0 + rng.normal(0.0, 20.0, 3)
        images.append(np.clip(img, -124.0, 152.0))
    return np.stack(images).astype(np.float32)


def random_weights(model, seed):
    """Set every weight of `model` from default_rng(seed) (see the module docstring); returns model."""
    import tf_keras

    rng = np.random.default_rng(seed)
    dense_layers = []
    for layer in model.layers:
        params = layer.get_weights()
        if not params:
            continue
        kind = type(layer).__name__
        if kind == "Conv2D":
            kernel, bias = params
            kh, kw, cin, cout = kernel.shape
            std = np.sqrt(2.0 / (kh * kw * cin))
            if _is_stem_conv(layer.name):
                std *= CONV1_INPUT_SCALE
            new = [rng.normal(0.0, std, kernel.shape), rng.normal(0.0, CONV_BIAS_STD, bias.shape)]
        elif kind == "BatchNormalization":
            gamma, beta, mean, var = params
            lo, hi = BN_GAMMA_LAST if _is_last_main_bn(layer.name) else BN_GAMMA
            new = [
                rng.uniform(lo, hi, gamma.shape),
                rng.normal(0.0, BN_BETA_STD, beta.shape),
                rng.normal(0.0, BN_MEAN_STD, mean.shape),
                rng.uniform(*BN_VARIANCE, var.shape),
            ]
        elif kind == "Dense":
            dense_layers.append(layer)
            continue
        else:
            raise ValueError(f"layer {layer.name!r} ({kind}) has weights but no initialisation rule")
        layer.set_weights([w.astype(np.float32) for w in new])

    # The classifier last: it is centred on the features the network computed with the weights above.
    for layer in dense_layers:
        kernel, bias = layer.get_weights()
        features = tf_keras.Model(model.input, layer.input)  # the pooled 2048 features
        mean = features.predict(synthetic_images(rng, CALIBRATION_IMAGES), verbose=0).mean(axis=0)
        direction = mean / np.linalg.norm(mean)
        w = rng.normal(0.0, DENSE_GAIN / np.sqrt(kernel.shape[0]), kernel.shape)
        w -= np.outer(direction, direction @ w)
        b = rng.normal(0.0, DENSE_BIAS_STD, bias.shape)
        layer.set_weights([w.astype(np.float32), b.astype(np.float32)])
    return model


def write_weights(variant, seed, out, include_top=True, model=None):
    """Build (or reuse) the `variant` model, set seeded weights, and `save_weights` to `out` (.h5).

    Returns the model (holding exactly the weights written).
    """
    from reslab_oracle import models

    out = os.fspath(out)
    if not out.endswith((".h5", ".hdf5")):
        # tf_keras picks the format from the suffix; anything else would become a TF checkpoint.
        raise ValueError(f"{out}: the output file name must end in .h5")
    if model is None:
        model = models.build(variant, include_top=include_top)
    random_weights(model, seed)
    model.save_weights(out, save_format="h5")
    return model


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m reslab_oracle.make_weights",
        description="Write seeded random ResNet50 weights in Keras's HDF5 layout.",
    )
    parser.add_argument("--variant", choices=reslab_oracle.VARIANTS, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--out", required=True, help="output file, must end in .h5")
    parser.add_argument("--notop", action="store_true", help="omit the Dense classifier layer")
    args = parser.parse_args(argv)
    try:
        write_weights(args.variant, args.seed, args.out, include_top=not args.notop)
    except (OSError, ValueError) as error:
        print(f"make_weights: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
