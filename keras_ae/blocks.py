"""Shared network blocks: dense stacks and Conv2D / Conv2DTranspose stacks.

Every family builds its encoder and decoder from these, so an architecture is
written once and each family only adds its objective.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import keras
from keras import layers

from keras_ae.layers import Clip
from keras_ae.validation import check_positive_int, check_shape


def dense_stack(x, units: Sequence[int], activation, name: str):
    """Applies `Dense(u, activation)` for each `u` in `units` to `x`."""
    for i, u in enumerate(units):
        x = layers.Dense(u, activation=activation, name=f"{name}_dense_{i}")(x)
    return x


def normalized(layer, x, activation, batch_norm: bool, name: str):
    """`layer(x)` followed by its activation, with batch normalization in
    between when `batch_norm` (the layer then needs no bias)."""
    if not batch_norm:
        return layer(x)
    x = layer(x)
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.Activation(activation, name=f"{name}_act")(x)


def _strided_stack(layer_class, x, filters, kernel_size, activation, name, batch_norm=False):
    for i, f in enumerate(filters):
        layer = layer_class(
            f, kernel_size, strides=2, padding="same", activation=None if batch_norm else activation,
            use_bias=not batch_norm, name=f"{name}_{i}",
        )
        x = normalized(layer, x, activation, batch_norm, f"{name}_{i}")
    return x


def conv_down_stack(x, filters: Sequence[int], kernel_size: int, activation, name: str):
    """Halves the resolution once per entry of `filters` (stride-2 Conv2D)."""
    return _strided_stack(layers.Conv2D, x, filters, kernel_size, activation, f"{name}_conv")


def conv_up_stack(x, filters: Sequence[int], kernel_size: int, activation, name: str, batch_norm: bool = False):
    """Doubles the resolution once per entry of `filters` (stride-2
    Conv2DTranspose), each stage batch-normalized when `batch_norm`."""
    return _strided_stack(layers.Conv2DTranspose, x, filters, kernel_size, activation, f"{name}_deconv", batch_norm)


def dense_networks(
    input_shape: Sequence[int],
    latent_dim: int,
    units: Sequence[int] = (512, 256),
    activation: str = "relu",
    latent_activation: str | None = None,
    output_activation: str | None = "sigmoid",
) -> tuple[keras.Model, keras.Model]:
    """An MLP encoder and its mirrored decoder.

    Inputs of any shape are flattened; the decoder reshapes back, so the pair
    reconstructs images as well as vectors.

    Args:
        input_shape: shape of one example, without the batch axis.
        latent_dim: size of the code.
        units: hidden widths of the encoder; the decoder uses them reversed.
            Empty gives the one-layer autoencoder of the classic papers.
        activation: activation of the hidden layers.
        latent_activation: activation of the code layer (None = linear).
        output_activation: activation of the reconstruction ("sigmoid" for
            data in [0, 1], None for unbounded data).
    """
    input_shape = check_shape(input_shape, "input_shape")
    check_positive_int(latent_dim, "latent_dim")
    units = [check_positive_int(u, "units") for u in units]

    inputs = keras.Input(input_shape, name="x")
    h = layers.Flatten(name="flatten")(inputs) if len(input_shape) > 1 else inputs
    h = dense_stack(h, units, activation, name="encoder")
    code = layers.Dense(latent_dim, activation=latent_activation, name="code")(h)
    encoder = keras.Model(inputs, code, name="encoder")

    z = keras.Input((latent_dim,), name="z")
    h = dense_stack(z, units[::-1], activation, name="decoder")
    h = layers.Dense(math.prod(input_shape), activation=output_activation, name="output")(h)
    if len(input_shape) > 1:
        h = layers.Reshape(input_shape, name="reshape")(h)
    decoder = keras.Model(z, h, name="decoder")
    return encoder, decoder


def conv_networks(
    input_shape: Sequence[int],
    latent_dim: int,
    filters: Sequence[int] = (32, 64),
    kernel_size: int = 3,
    dense_units: Sequence[int] = (),
    activation: str = "relu",
    latent_activation: str | None = None,
    output_activation: str | None = "sigmoid",
    decoder_batch_norm: bool = False,
) -> tuple[keras.Model, keras.Model]:
    """A Conv2D down-sampling encoder and its Conv2DTranspose mirror.

    Each entry of `filters` is one stride-2 stage. Images whose sides are not
    a multiple of `2 ** len(filters)` are zero-padded on the way in and
    cropped on the way out, so any image size works.

    Args:
        input_shape: `(height, width, channels)`.
        latent_dim: size of the code.
        filters: channels of each down-sampling stage; the decoder mirrors them.
        kernel_size: side of every convolution kernel.
        dense_units: hidden dense widths between the feature map and the code.
        activation: activation of the hidden layers.
        latent_activation: activation of the code layer (None = linear).
        output_activation: activation of the reconstruction.
        decoder_batch_norm: batch-normalize the decoder's projection and
            up-sampling stages (the DCGAN generator's recipe).
    """
    input_shape = check_shape(input_shape, "input_shape", rank=3)
    check_positive_int(latent_dim, "latent_dim")
    check_positive_int(kernel_size, "kernel_size")
    filters = [check_positive_int(f, "filters") for f in filters]
    if not filters:
        raise ValueError(f"`filters` needs at least one stage. Received: filters={filters}")
    dense_units = [check_positive_int(u, "dense_units") for u in dense_units]

    height, width, channels = input_shape
    factor = 2 ** len(filters)
    pad_h, pad_w = (-height) % factor, (-width) % factor
    padding = ((pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2))
    feature_shape = ((height + pad_h) // factor, (width + pad_w) // factor, filters[-1])

    inputs = keras.Input(input_shape, name="x")
    h = inputs
    if pad_h or pad_w:
        h = layers.ZeroPadding2D(padding, name="pad")(h)
    h = conv_down_stack(h, filters, kernel_size, activation, name="encoder")
    h = layers.Flatten(name="flatten")(h)
    h = dense_stack(h, dense_units, activation, name="encoder")
    code = layers.Dense(latent_dim, activation=latent_activation, name="code")(h)
    encoder = keras.Model(inputs, code, name="encoder")

    z = keras.Input((latent_dim,), name="z")
    h = dense_stack(z, dense_units[::-1], activation, name="decoder")
    project = layers.Dense(
        math.prod(feature_shape), activation=None if decoder_batch_norm else activation,
        use_bias=not decoder_batch_norm, name="decoder_project",
    )
    h = normalized(project, h, activation, decoder_batch_norm, "decoder_project")
    h = layers.Reshape(feature_shape, name="reshape")(h)
    h = conv_up_stack(h, filters[::-1], kernel_size, activation, name="decoder", batch_norm=decoder_batch_norm)
    h = layers.Conv2D(
        channels, kernel_size, padding="same", activation=output_activation, name="output"
    )(h)
    if pad_h or pad_w:
        h = layers.Cropping2D(padding, name="crop")(h)
    decoder = keras.Model(z, h, name="decoder")
    return encoder, decoder


# Bounds of a variational encoder's log-variance: wide enough never to bind
# on a healthy run, narrow enough that exp() stays finite in float16.
LOG_VARIANCE_RANGE = (-30.0, 20.0)


def gaussian_encoder(encoder: keras.Model) -> keras.Model:
    """Turns an encoder from this module into a Gaussian one.

    The code layer (named "code") is replaced by two linear heads on the
    same hidden features, the posterior's mean and its clamped
    log-variance, so every architecture here gives a variational encoder.
    """
    code = encoder.get_layer("code")
    hidden = code.input
    mean = layers.Dense(code.units, name="z_mean")(hidden)
    log_var = layers.Dense(code.units, name="z_log_var_raw")(hidden)
    log_var = Clip(*LOG_VARIANCE_RANGE, name="z_log_var")(log_var)
    return keras.Model(encoder.inputs, [mean, log_var], name=encoder.name)


def conditioned_shape(input_shape: Sequence[int], num_classes: int) -> tuple[int, ...]:
    """The shape an encoder sees once a one-hot label is joined to an
    example: extra channels for images, extra features for vectors."""
    input_shape = tuple(input_shape)
    if len(input_shape) not in (1, 3):
        raise ValueError(
            "Conditioning on labels needs vectors (features,) or images (height, width, "
            f"channels). Received: input_shape={input_shape}"
        )
    return (*input_shape[:-1], input_shape[-1] + num_classes)


def condition_on_labels(encoder, decoder, input_shape, num_classes: int) -> tuple[keras.Model, keras.Model]:
    """Networks that take a one-hot label beside their input.

    `encoder` must take `conditioned_shape(input_shape, num_classes)`: the
    label is tiled over the image as extra channels (or appended to a
    vector). `decoder` must take codes with `num_classes` more entries: the
    label is appended to the code. The results take `[x, label]` and
    `[z, label]`.
    """
    label = keras.Input((num_classes,), name="label")
    x = keras.Input(tuple(input_shape), name="x")
    if len(input_shape) == 3:
        maps = layers.Reshape((1, 1, num_classes), name="label_map")(label)
        maps = layers.UpSampling2D(size=tuple(input_shape[:2]), name="label_tile")(maps)
        joined = layers.Concatenate(name="x_and_label")([x, maps])
    else:
        joined = layers.Concatenate(name="x_and_label")([x, label])
    conditional_encoder = keras.Model([x, label], encoder(joined), name="encoder")

    z = keras.Input((decoder.input_shape[-1] - num_classes,), name="z")
    joined = layers.Concatenate(name="z_and_label")([z, label])
    conditional_decoder = keras.Model([z, label], decoder(joined), name="decoder")
    return conditional_encoder, conditional_decoder


# The architectures a family can be built on from plain arguments (the CLI and
# `Autoencoder.from_spec` use this); a new architecture adds one line here.
ARCHITECTURES = {"dense": dense_networks, "conv": conv_networks}
