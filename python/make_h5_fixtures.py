#!/usr/bin/env python3
"""Writes the tiny Keras-layout HDF5 fixtures that Tests/ResNetIOTests/KerasWeightsFileTests.swift reads.

Regenerate (needs h5py and numpy, no TensorFlow):
    python3 python/make_h5_fixtures.py Tests/ResNetIOTests/Fixtures

The files mimic what Keras writes, layer for layer:
  legacy_fixed.h5   `save_weights` layout as in the 2016 tutorial file: fixed-length byte-string
                    attributes (dtype S..), flat weight names (`conv1_W:0`), an empty `weight_names`
                    stored as float64 of shape (0,) like Keras does, weight_names NOT in alphabetical order.
  nested_vlen.h5    tf-keras 2.x layout: variable-length string attributes, nested weight names
                    (`conv1/kernel:0`), a float64 and a float16 dataset, `layer_names` split into
                    `layer_names0`/`layer_names1` the way Keras splits attributes over 64 KB.
  full_model.h5     `model.save` layout: the same structure under the group `model_weights`.
  notop.h5          like legacy_fixed.h5 without the classifier layer `fc1000`.
  not_keras.h5      a valid HDF5 file without `layer_names`.
  vlen_heap_damaged.h5  nested_vlen.h5 with one global-heap object's size damaged: libhdf5 loops
                    forever reading that string; reslab's child process is stopped instead
  hostile.h5        legacy layout, one layer per way a header or its values can lie: a kernel declared
                    (2**31, 2**31) in 1024x1024 chunks and one declared (2**33,) contiguous (neither has
                    any data stored), a (3, 4) kernel in 1 GB chunks, `weight_names` listing one dataset
                    300 times, a null dataspace, NaN in a bias, -inf in a kernel.
Values are deterministic (arange-based) so the tests can check them exactly.
"""
import os
import sys

import h5py
import numpy as np

# Files use the HDF5 1.8 format (compact object headers; read by the HDF5 1.10 that reslab links)
# and record no timestamps, so that regenerating them gives identical bytes.


def new_file(path):
    """A new file with no creation timestamps anywhere, so that regenerating gives the same bytes."""
    fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
    fapl.set_libver_bounds(h5py.h5f.LIBVER_V18, h5py.h5f.LIBVER_V18)
    fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
    fcpl.set_obj_track_times(False)
    return h5py.File(h5py.h5f.create(path.encode(), h5py.h5f.ACC_TRUNC, fapl=fapl, fcpl=fcpl))


def new_group(parent, name):
    gcpl = h5py.h5p.create(h5py.h5p.GROUP_CREATE)
    gcpl.set_obj_track_times(False)
    return h5py.Group(h5py.h5g.create(parent.id, name.encode(), gcpl=gcpl))


def values(shape, start, dtype=np.float32):
    n = int(np.prod(shape)) if shape else 1
    return (np.arange(n, dtype=np.float64) * 0.5 + start).reshape(shape).astype(dtype)


def add_layer(group, layer, weights, vlen=False, split_names=False):
    """weights: list of (name, array). Writes group/layer with weight_names in list order."""
    g = new_group(group, layer)
    names = [name for name, _ in weights]
    if not names:
        g.attrs["weight_names"] = np.asarray([])  # Keras: np.asarray([]) is float64, shape (0,)
    elif vlen:
        g.attrs.create("weight_names", names, dtype=h5py.string_dtype("utf-8"))
    else:
        g.attrs["weight_names"] = np.asarray([n.encode("utf8") for n in names])  # fixed-length S..
    for name, array in weights:
        parent = g
        *groups, leaf = name.split("/")  # `conv1/kernel:0` is a dataset inside a nested group
        for part in groups:
            parent = parent[part] if part in parent else new_group(parent, part)
        parent.create_dataset(leaf, data=array, track_times=False)


def set_layer_names(group, names, vlen=False, split=False):
    if split:
        half = len(names) // 2
        for i, part in enumerate([names[:half], names[half:]]):
            group.attrs.create(f"layer_names{i}", part, dtype=h5py.string_dtype("utf-8"))
    elif vlen:
        group.attrs.create("layer_names", names, dtype=h5py.string_dtype("utf-8"))
    else:
        group.attrs["layer_names"] = np.asarray([n.encode("utf8") for n in names])


def legacy_layers(with_top=True):
    layers = [
        ("input_1", []),
        ("conv1", [("conv1_W:0", values((1, 1, 2, 3), 1.0)), ("conv1_b:0", values((3,), -1.0))]),
        ("bn_conv1", [
            ("bn_conv1_gamma:0", values((3,), 10.0)),
            ("bn_conv1_beta:0", values((3,), 20.0)),
            ("bn_conv1_running_mean:0", values((3,), 30.0)),
            ("bn_conv1_running_std:0", values((3,), 40.0)),
        ]),
        ("activation_1", []),
        ("flatten_1", []),
    ]
    if with_top:
        layers.append(("fc1000", [("fc1000_W:0", values((3, 4), 100.0)), ("fc1000_b:0", values((4,), 200.0))]))
    return layers


def write_legacy(path, with_top=True):
    with new_file(path) as f:
        layers = legacy_layers(with_top)
        set_layer_names(f, [name for name, _ in layers])
        for name, weights in layers:
            add_layer(f, name, weights)


def nested_layers():
    return [
        ("input_1", []),
        ("conv1_conv", [("conv1_conv/kernel:0", values((2, 2, 1, 2), 0.0)),
                        ("conv1_conv/bias:0", values((2,), 5.0))]),
        ("conv1_bn", [("conv1_bn/gamma:0", values((2,), 1.0)),
                      ("conv1_bn/beta:0", values((2,), 2.0)),
                      ("conv1_bn/moving_mean:0", values((2,), 3.0, np.float64)),
                      ("conv1_bn/moving_variance:0", values((2,), 4.0, np.float16))]),
        ("predictions", [("predictions/kernel:0", values((2, 3), -3.0)),
                         ("predictions/bias:0", values((3,), 0.25))]),
    ]


def write_nested(path):
    with new_file(path) as f:
        layers = nested_layers()
        set_layer_names(f, [name for name, _ in layers], split=True)
        f.attrs["backend"] = "tensorflow"
        f.attrs["keras_version"] = "2.21.0"
        for name, weights in layers:
            add_layer(f, name, weights, vlen=True)


def write_full_model(path):
    with new_file(path) as f:
        f.attrs["model_config"] = '{"class_name": "Functional"}'
        f.attrs["keras_version"] = "2.21.0"
        g = new_group(f, "model_weights")
        layers = nested_layers()
        set_layer_names(g, [name for name, _ in layers], vlen=True)
        for name, weights in layers:
            add_layer(g, name, weights, vlen=True)
        new_group(f, "optimizer_weights")


def write_not_keras(path):
    with new_file(path) as f:
        f.create_dataset("data", data=values((4,), 0.0), track_times=False)
        f.attrs["comment"] = "plain HDF5, no layer_names"


def write_hostile(path):
    with new_file(path) as f:
        bias = ("b:0", values((4,), 0.0))
        layers = {
            "huge_chunked": [("W:0", dict(shape=(2**31, 2**31), dtype="f4", chunks=(1024, 1024))), bias],
            "huge_contiguous": [("W:0", dict(shape=(2**33,), dtype="f4")), bias],
            "huge_chunks": [("W:0", dict(shape=(3, 4), dtype="f4", maxshape=(None, None), chunks=(16384, 16384))),
                            bias],
            "null_space": [("W:0", dict(data=h5py.Empty("f4"))), bias],
            "nan_bias": [("W:0", values((3, 4), 0.0)), ("b:0", np.array([0, np.nan, 0, 0], np.float32))],
            "minus_inf_kernel": [("W:0", np.array([[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, -np.inf, 0]], np.float32)),
                                 bias],
        }
        set_layer_names(f, list(layers) + ["repeated"])
        for layer, weights in layers.items():
            g = new_group(f, layer)
            g.attrs["weight_names"] = np.asarray([f"{layer}_{name}".encode() for name, _ in weights])
            for name, dataset in weights:
                args = dataset if isinstance(dataset, dict) else dict(data=dataset)
                g.create_dataset(f"{layer}_{name}", track_times=False, **args)
        g = new_group(f, "repeated")
        g.attrs["weight_names"] = np.asarray([b"repeated_W:0"] * 300)
        g.create_dataset("repeated_W:0", data=values((3, 4), 0.0), track_times=False)


def write_heap_damaged(nested_path, path):
    """nested_vlen.h5 with the size of the global-heap object holding 'predictions/bias:0' grown by 64:
    reading that weight name, libhdf5 1.10 loops forever (found by bit flips of a weight file)."""
    import struct

    data = bytearray(open(nested_path, "rb").read())
    at = data.find(b"GCOL") + 16
    while True:
        index, = struct.unpack_from("<H", data, at)
        size, = struct.unpack_from("<Q", data, at + 8)
        assert index != 0, "no heap object holds predictions/bias:0"
        if data[at + 16:at + 16 + size] == b"predictions/bias:0":
            struct.pack_into("<Q", data, at + 8, size | 64)
            break
        at += 16 + (size + 7) // 8 * 8
    with open(path, "wb") as f:
        f.write(data)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "Tests/ResNetIOTests/Fixtures"
    os.makedirs(out, exist_ok=True)
    write_legacy(os.path.join(out, "legacy_fixed.h5"))
    write_nested(os.path.join(out, "nested_vlen.h5"))
    write_full_model(os.path.join(out, "full_model.h5"))
    write_legacy(os.path.join(out, "notop.h5"), with_top=False)
    write_not_keras(os.path.join(out, "not_keras.h5"))
    write_hostile(os.path.join(out, "hostile.h5"))
    write_heap_damaged(os.path.join(out, "nested_vlen.h5"), os.path.join(out, "vlen_heap_damaged.h5"))
    for name in sorted(os.listdir(out)):
        print(f"{os.path.getsize(os.path.join(out, name)):8d}  {os.path.join(out, name)}")


if __name__ == "__main__":
    main()
