"""The two ResNet50 variants reslab reads, built with tf_keras.

`tutorial_resnet50` is the tutorial's code (`Lessons/tutorial-zh.txt`, after the Keras
Applications `resnet50.py` of 2017) transcribed line for line; the only changes are
`keras` -> `tf_keras` imports, an `include_top` switch (to write a file *without* the classifier,
for reslab's error test) and no `model.load_weights(...)` at the end (weights are set by
`make_weights` or loaded by `reference`).

`applications_resnet50` is today's `tf_keras.applications.ResNet50(weights=None)`.
"""
from __future__ import print_function

import functools

import reslab_oracle

reslab_oracle.import_tensorflow_quietly()  # environment + silent C++ start-up, before tf_keras below

from tf_keras import layers
from tf_keras.layers import Input
from tf_keras.layers import Dense, Conv2D, MaxPooling2D, ZeroPadding2D, AveragePooling2D
from tf_keras.layers import Activation, BatchNormalization, Flatten
from tf_keras.models import Model


# ---------------------------------------------------------------- the tutorial's code, verbatim
def identity_block(input_tensor, kernel_size, filters, stage, block):
    filters1, filters2, filters3 = filters
    conv_name_base = 'res' + str(stage) + block + '_branch'
    bn_name_base = 'bn' + str(stage) + block + '_branch'
    x = Conv2D(filters1, (1, 1), name=conv_name_base + '2a')(input_tensor)
    x = BatchNormalization(name=bn_name_base + '2a')(x)
    x = Activation('relu')(x)
    x = Conv2D(filters2, kernel_size, padding='same', name=conv_name_base + '2b')(x)
    x = BatchNormalization(name=bn_name_base + '2b')(x)
    x = Activation('relu')(x)
    x = Conv2D(filters3, (1, 1), name=conv_name_base + '2c')(x)
    x = BatchNormalization(name=bn_name_base + '2c')(x)
    x = layers.add([x, input_tensor])
    x = Activation('relu')(x)
    return x


def conv_block(input_tensor, kernel_size, filters, stage, block, strides=(2, 2)):
    filters1, filters2, filters3 = filters
    conv_name_base = 'res' + str(stage) + block + '_branch'
    bn_name_base = 'bn' + str(stage) + block + '_branch'
    x = Conv2D(filters1, (1, 1), strides=strides,
               name=conv_name_base + '2a')(input_tensor)
    x = BatchNormalization(name=bn_name_base + '2a')(x)
    x = Activation('relu')(x)
    x = Conv2D(filters2, kernel_size, padding='same',
               name=conv_name_base + '2b')(x)
    x = BatchNormalization(name=bn_name_base + '2b')(x)
    x = Activation('relu')(x)
    x = Conv2D(filters3, (1, 1), name=conv_name_base + '2c')(x)
    x = BatchNormalization(name=bn_name_base + '2c')(x)
    shortcut = Conv2D(filters3, (1, 1), strides=strides,
                      name=conv_name_base + '1')(input_tensor)
    shortcut = BatchNormalization(name=bn_name_base + '1')(shortcut)
    x = layers.add([x, shortcut])
    x = Activation('relu')(x)
    return x


def ResNet50(input_shape=[224, 224, 3], classes=1000, include_top=True):
    img_input = Input(shape=input_shape)
    x = ZeroPadding2D((3, 3))(img_input)
    x = Conv2D(64, (7, 7), strides=(2, 2), name='conv1')(x)
    x = BatchNormalization(name='bn_conv1')(x)
    x = Activation('relu')(x)
    x = MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = conv_block(x, 3, [64, 64, 256], stage=2, block='a', strides=(1, 1))
    x = identity_block(x, 3, [64, 64, 256], stage=2, block='b')
    x = identity_block(x, 3, [64, 64, 256], stage=2, block='c')
    x = conv_block(x, 3, [128, 128, 512], stage=3, block='a')
    x = identity_block(x, 3, [128, 128, 512], stage=3, block='b')
    x = identity_block(x, 3, [128, 128, 512], stage=3, block='c')
    x = identity_block(x, 3, [128, 128, 512], stage=3, block='d')
    x = conv_block(x, 3, [256, 256, 1024], stage=4, block='a')
    x = identity_block(x, 3, [256, 256, 1024], stage=4, block='b')
    x = identity_block(x, 3, [256, 256, 1024], stage=4, block='c')
    x = identity_block(x, 3, [256, 256, 1024], stage=4, block='d')
    x = identity_block(x, 3, [256, 256, 1024], stage=4, block='e')
    x = identity_block(x, 3, [256, 256, 1024], stage=4, block='f')
    x = conv_block(x, 3, [512, 512, 2048], stage=5, block='a')
    x = identity_block(x, 3, [512, 512, 2048], stage=5, block='b')
    x = identity_block(x, 3, [512, 512, 2048], stage=5, block='c')
    x = AveragePooling2D((7, 7), name='avg_pool')(x)
    x = Flatten()(x)
    if include_top:  # (not in the tutorial: lets make_weights --notop write a file without fc1000)
        x = Dense(classes, activation='softmax', name='fc1000')(x)
    model = Model(img_input, x, name='resnet50')
    # The tutorial ends with model.load_weights("resnet50_weights_tf_dim_ordering_tf_kernels.h5");
    # here the caller sets or loads the weights.
    return model


# ---------------------------------------------------------------- entry points
def tutorial_resnet50(include_top=True):
    """The tutorial's ResNet50 (BN epsilon 1e-3, unpadded max pool -> 55x55, 'fc1000')."""
    return ResNet50(include_top=include_top)


def applications_resnet50(include_top=True):
    """`tf_keras.applications.ResNet50(weights=None)` (BN epsilon 1.001e-5, padded pool -> 56x56)."""
    from tf_keras.applications import ResNet50 as KerasApplicationsResNet50

    return KerasApplicationsResNet50(weights=None, include_top=include_top)


BUILDERS = {"tutorial": tutorial_resnet50, "keras-applications": applications_resnet50}


def build(variant, include_top=True):
    """A fresh, uninitialised model of `variant` ('tutorial' or 'keras-applications')."""
    try:
        builder = BUILDERS[variant]
    except KeyError:
        raise ValueError(f"unknown variant {variant!r}; expected one of {sorted(BUILDERS)}") from None
    return builder(include_top=include_top)


@functools.lru_cache(maxsize=None)
def cached(variant, include_top=True):
    """One model per (variant, include_top) per process: building costs ~1-2 s; tests share it.

    Callers overwrite its weights (set_weights / load_weights) before every use.
    """
    return build(variant, include_top=include_top)
