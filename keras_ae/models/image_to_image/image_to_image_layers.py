"""The image-to-image family's own layers: mirror padding to a multiple of
the pooling and the crop back, and the max-pooling switches SegNet unpools
with."""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import layers, ops


@keras.saving.register_keras_serializable(package="keras_ae")
class PadToMultiple(layers.Layer):
    """Pads an image batch at the bottom and right, by mirroring, up to sides
    that are multiples of `multiple`, so that a network pooling `log2(multiple)`
    times takes any image size; `CropLike` takes the padding off again.

    Args:
        multiple: the sides' required divisor (`2 ** depth`).
    """

    def __init__(self, multiple, **kwargs):
        super().__init__(**kwargs)
        self.multiple = int(multiple)
        self.built = True

    def call(self, inputs):
        shape = ops.shape(inputs)
        pad_h = (-shape[1]) % self.multiple
        pad_w = (-shape[2]) % self.multiple
        # Symmetric mirroring copes with pads as large as the side itself.
        padded = tf.pad(inputs, [[0, 0], [0, pad_h], [0, pad_w], [0, 0]], mode="SYMMETRIC")
        # Computed paddings lose the static channel count, which LiteRT's
        # converter needs to lower the next convolution to a builtin; a
        # reshape naming it brings it back (set_shape and EnsureShape do
        # not reach the converter, or are no builtin).
        size = tf.shape(padded)
        return tf.reshape(padded, tf.stack([size[0], size[1], size[2], inputs.shape[-1]]))

    def compute_output_shape(self, input_shape):
        def padded(side):
            return None if side is None else side + (-side) % self.multiple

        return (input_shape[0], padded(input_shape[1]), padded(input_shape[2]), input_shape[3])

    def get_config(self):
        return {**super().get_config(), "multiple": self.multiple}


@keras.saving.register_keras_serializable(package="keras_ae")
class CropLike(layers.Layer):
    """Crops `inputs[0]` to the height and width of `inputs[1]` (top-left)."""

    def call(self, inputs):
        x, reference = inputs
        shape = ops.shape(reference)
        return x[:, : shape[1], : shape[2], :]

    def compute_output_shape(self, input_shapes):
        x, reference = input_shapes
        return (x[0], reference[1], reference[2], x[3])


@keras.saving.register_keras_serializable(package="keras_ae")
class PoolingSwitches(layers.Layer):
    """2x2 max pooling that also returns where each maximum was: a 0/1 map
    at the input's resolution (the pooling indices as one-hot "switches").

    SegNet's decoder unpools with the encoder's max-pooling indices. Carrying
    them as a map rather than `tf.nn.max_pool_with_argmax`'s flat indices
    keeps the model to ops every exporter has (TFLite, ONNX, XLA); the two
    unpool alike unless a window holds two equal positive maxima.
    """

    def call(self, inputs):
        pooled = ops.max_pool(inputs, 2, 2, padding="valid")
        spread = ops.repeat(ops.repeat(pooled, 2, axis=1), 2, axis=2)
        return pooled, ops.cast(ops.equal(inputs, spread), inputs.dtype)

    def compute_output_shape(self, input_shape):
        def half(side):
            return None if side is None else side // 2

        return (input_shape[0], half(input_shape[1]), half(input_shape[2]), input_shape[3]), input_shape


@keras.saving.register_keras_serializable(package="keras_ae")
class Unpool(layers.Layer):
    """Places each value of `inputs[0]` where its window's maximum was, by the
    switches of `PoolingSwitches` (`inputs[1]`); zeros elsewhere."""

    def call(self, inputs):
        x, switches = inputs
        return ops.repeat(ops.repeat(x, 2, axis=1), 2, axis=2) * switches

    def compute_output_shape(self, input_shapes):
        return input_shapes[1]
