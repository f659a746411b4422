"""The ResNet50 of a Keras HDF5 weights file, rebuilt as an ONNX graph (for onnxruntime timings).

`build(weights_path, variant=None) -> onnx.ModelProto`

* Weights are read with h5py, the way Keras's `load_weights` reads them: the root attribute
  `layer_names` (or `model_weights/layer_names` in a full-model file) lists the layers, and each
  layer group's `weight_names` attribute gives its datasets in order (kernel, bias / gamma, beta,
  moving_mean, moving_variance).
* The graph is NCHW: Transpose (NHWC input) -> Pad -> Conv -> BatchNormalization -> Relu -> [Pad] ->
  MaxPool -> 16 residual blocks (Conv/BatchNormalization/Relu/Add) -> AveragePool 7x7 (tutorial) or
  GlobalAveragePool (keras-applications) -> Flatten -> Gemm -> Softmax.
* Input "input": float32 [1, 224, 224, 3], the preprocessed NHWC tensor `model.predict` takes
  (caffe mode: BGR, minus the ImageNet means). Output "probs": float32 [1, 1000].
* Conv kernels go from Keras's (kh, kw, in, out) to ONNX's (out, in, kh, kw); the Dense kernel
  (2048, 1000) is used as is by Gemm (Y = X W + b).

The variant ('tutorial' or 'keras-applications') sets the layer names, the stem's max-pool padding
(none -> 55x55, or ZeroPadding2D(1) -> 56x56), the batch-norm epsilon (1e-3 or 1.001e-5) and the
head (AveragePooling2D(7) or GlobalAveragePooling2D); it is detected from the layer names when not given.
"""
import os
import pathlib

import h5py
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

import reslab_oracle

OPSET = 17
CAFFE_MEAN_BGR = np.array([103.939, 116.779, 123.68], dtype=np.float32)

# (stage, number of blocks, filters) of ResNet50; the first block of a stage is a conv block.
STAGES = [(2, 3, (64, 64, 256)), (3, 4, (128, 128, 512)), (4, 6, (256, 256, 1024)), (5, 3, (512, 512, 2048))]


class WeightsError(Exception):
    """The file is not a usable Keras ResNet50 weights file (message names the file)."""


# ---------------------------------------------------------------- reading the HDF5 file
def _as_str(name):
    return name.decode("utf8") if isinstance(name, bytes) else str(name)


def read_keras_weights(path):
    """{layer name: [arrays in `weight_names` order]} for every layer listed in `layer_names`."""
    path = os.fspath(path)
    try:
        f = h5py.File(path, "r")
    except OSError as error:
        raise WeightsError(f"{path}: not a readable HDF5 file ({error})") from None
    with f:
        root = f["model_weights"] if "layer_names" not in f.attrs and "model_weights" in f else f
        if "layer_names" not in root.attrs:
            raise WeightsError(f"{path}: no 'layer_names' attribute; not a Keras HDF5 weights file")
        weights = {}
        for layer in (_as_str(n) for n in root.attrs["layer_names"]):
            group = root[layer]
            names = [_as_str(n) for n in group.attrs.get("weight_names", [])]
            weights[layer] = [np.asarray(group[n], dtype=np.float32) for n in names]
        return weights


# ---------------------------------------------------------------- per-variant layer names
def _names(variant):
    """Functions giving the Keras layer names of the variant."""
    if variant == "tutorial":
        letters = "abcdef"

        def conv(stage, block, branch):  # branch: '2a', '2b', '2c', '1'
            return f"res{stage}{letters[block]}_branch{branch}"

        def bn(stage, block, branch):
            return f"bn{stage}{letters[block]}_branch{branch}"

        return dict(stem_conv="conv1", stem_bn="bn_conv1", conv=conv, bn=bn, classifier="fc1000")
    if variant == "keras-applications":
        number = {"2a": 1, "2b": 2, "2c": 3, "1": 0}

        def conv(stage, block, branch):
            return f"conv{stage}_block{block + 1}_{number[branch]}_conv"

        def bn(stage, block, branch):
            return f"conv{stage}_block{block + 1}_{number[branch]}_bn"

        return dict(stem_conv="conv1_conv", stem_bn="conv1_bn", conv=conv, bn=bn, classifier="predictions")
    raise ValueError(f"unknown variant {variant!r}; expected one of {reslab_oracle.VARIANTS}")


# ---------------------------------------------------------------- graph construction
class _Graph:
    def __init__(self, weights, path, epsilon):
        self.weights, self.path, self.epsilon = weights, path, epsilon
        self.nodes, self.initializers, self.count = [], [], 0

    def _fresh(self, hint):
        self.count += 1
        return f"{hint}:{self.count}"

    def _const(self, name, array):
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def _layer(self, layer, count):
        arrays = self.weights.get(layer)
        if arrays is None:
            raise WeightsError(f"{self.path}: layer '{layer}' is missing")
        if len(arrays) != count:
            raise WeightsError(f"{self.path}: layer '{layer}' has {len(arrays)} weights, expected {count}")
        return arrays

    def node(self, op, inputs, hint, **attrs):
        out = self._fresh(hint)
        self.nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    def pad(self, x, p):
        pads = self._const(self._fresh("pads"), np.array([0, 0, p, p, 0, 0, p, p], dtype=np.int64))
        return self.node("Pad", [x, pads], "pad", mode="constant")

    def conv(self, x, layer, strides=1, same=False):
        kernel, bias = self._layer(layer, 2)
        kh, kw = kernel.shape[:2]
        w = self._const(f"{layer}/kernel", kernel.transpose(3, 2, 0, 1))  # (kh,kw,in,out) -> (out,in,kh,kw)
        b = self._const(f"{layer}/bias", bias)
        attrs = dict(kernel_shape=[kh, kw], strides=[strides, strides])
        if same:  # Keras 'same' with stride 1 and an odd kernel: (k-1)/2 on every side
            attrs["pads"] = [(kh - 1) // 2, (kw - 1) // 2, (kh - 1) // 2, (kw - 1) // 2]
        return self.node("Conv", [x, w, b], layer, **attrs)

    def bn(self, x, layer):
        gamma, beta, mean, var = self._layer(layer, 4)
        ins = [x] + [self._const(f"{layer}/{n}", a) for n, a in
                     zip(("gamma", "beta", "moving_mean", "moving_variance"), (gamma, beta, mean, var))]
        return self.node("BatchNormalization", ins, layer, epsilon=self.epsilon)

    def relu(self, x):
        return self.node("Relu", [x], "relu")


def build(weights_path, variant=None, layout="nhwc", batch=1):
    """ONNX model of the ResNet50 stored in `weights_path` (see the module docstring).

    `layout="nchw"` takes the input already as NCHW [batch, 3, 224, 224] (no Transpose), the way
    `reslab bench --compare` feeds its peers; `batch` fixes the batch dimension.

    Raises WeightsError if the file can't be read or lacks a layer (e.g. the classifier of a
    `--notop` file), ValueError for an unknown variant.
    """
    path = os.fspath(weights_path)
    weights = read_keras_weights(path)
    if variant is None:
        try:
            variant = reslab_oracle.detect_variant(weights)
        except ValueError as error:
            raise WeightsError(f"{path}: {error}") from None
    names = _names(variant)
    if names["classifier"] not in weights:
        raise WeightsError(f"{path}: the classifier layer '{names['classifier']}' is missing (a notop file?)")
    g = _Graph(weights, path, reslab_oracle.BN_EPSILON[variant])

    # Stem: NHWC -> NCHW, ZeroPadding2D(3), 7x7/2 conv, BN, ReLU, 3x3/2 max pool.
    if layout not in ("nhwc", "nchw"):
        raise ValueError(f"unknown layout {layout!r}")
    x = g.node("Transpose", ["input"], "to_nchw", perm=[0, 3, 1, 2]) if layout == "nhwc" else "input"
    x = g.pad(x, 3)
    x = g.relu(g.bn(g.conv(x, names["stem_conv"], strides=2), names["stem_bn"]))
    if variant == "keras-applications":
        x = g.pad(x, 1)  # pool1_pad: zeros are safe after the ReLU; 112 -> 114 -> 56
    x = g.node("MaxPool", [x], "max_pool", kernel_shape=[3, 3], strides=[2, 2])

    for stage, blocks, (f1, f2, f3) in STAGES:
        for block in range(blocks):
            conv, bn = (lambda b: names["conv"](stage, block, b)), (lambda b: names["bn"](stage, block, b))
            strides = 2 if (block == 0 and stage > 2) else 1
            y = g.relu(g.bn(g.conv(x, conv("2a"), strides=strides), bn("2a")))
            y = g.relu(g.bn(g.conv(y, conv("2b"), same=True), bn("2b")))
            y = g.bn(g.conv(y, conv("2c")), bn("2c"))
            shortcut = g.bn(g.conv(x, conv("1"), strides=strides), bn("1")) if block == 0 else x
            x = g.relu(g.node("Add", [y, shortcut], "add"))

    if variant == "tutorial":
        x = g.node("AveragePool", [x], "avg_pool", kernel_shape=[7, 7], strides=[7, 7])
    else:
        x = g.node("GlobalAveragePool", [x], "avg_pool")
    x = g.node("Flatten", [x], "flatten", axis=1)
    kernel, bias = g._layer(names["classifier"], 2)
    x = g.node("Gemm", [x, g._const("classifier/kernel", kernel), g._const("classifier/bias", bias)],
               names["classifier"])
    g.nodes.append(helper.make_node("Softmax", [x], ["probs"], name="softmax", axis=1))

    graph = helper.make_graph(
        g.nodes, f"resnet50_{variant.replace('-', '_')}",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                       [batch, 224, 224, 3] if layout == "nhwc" else [batch, 3, 224, 224])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [batch, 1000])],
        initializer=g.initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="reslab_oracle")
    model.ir_version = 8  # readable by any onnxruntime >= 1.10
    onnx.checker.check_model(model, full_check=False)
    return model


def session(model, threads=2, spinning=True):
    """An onnxruntime CPU session for `model`: `threads` intra-op threads, all graph optimisations;
    `spinning=False` makes its worker threads sleep as soon as a run ends."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    if not spinning:
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


def preprocess_image(path):
    """Keras's `load_img(target_size=(224, 224))` + `preprocess_input` (caffe), with PIL and numpy only.

    RGB conversion (grey and RGBA images too), NEAREST resize to 224x224, RGB -> BGR, minus the ImageNet
    channel means. Returns float32 (1, 224, 224, 3).
    """
    from PIL import Image

    with Image.open(pathlib.Path(path)) as img:
        if img.mode != "RGB":
            img = img.convert("RGB")
        if img.size != (224, 224):
            img = img.resize((224, 224), Image.NEAREST)
        x = np.asarray(img, dtype=np.float32)
    return (x[..., ::-1] - CAFFE_MEAN_BGR)[None].astype(np.float32)
