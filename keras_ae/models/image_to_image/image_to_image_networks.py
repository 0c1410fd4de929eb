"""The image-to-image family's networks: a fully convolutional
encoder-decoder (plain, U-Net and SegNet styles) for images of any size, and
the exact receptive field of one."""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers

from keras_ae.blocks import register_architecture
from keras_ae.models.image_to_image.image_to_image_layers import CropLike, PadToMultiple, PoolingSwitches, Unpool
from keras_ae.validation import check_choice, check_positive_int

IMAGE_TO_IMAGE_STYLES = ("unet", "segnet", "plain")


@register_architecture("image_to_image")
def image_to_image_networks(
    input_shape: Sequence[int | None],
    latent_dim: int,
    filters: Sequence[int] = (32, 64),
    blocks: int = 2,
    kernel_size: int = 3,
    style: str = "unet",
    residual: bool = True,
    activation: str = "relu",
) -> tuple[keras.Model, keras.Model]:
    """A fully convolutional encoder-decoder for images of any size.

    The encoder runs `blocks` convolutions per level and max-pools between
    levels (one level per entry of `filters`), ending in a feature map of
    `latent_dim` channels at `1 / 2 ** len(filters)` of the resolution. Its
    outputs are that map, what the decoder needs from each level, and the
    input image itself: the decoder crops its output back to the input's
    size (inputs are mirror-padded to a multiple of `2 ** len(filters)`) and,
    when `residual`, adds the input, so the network learns the correction
    (as DnCNN and VDSR do: faster to train and better for restoration).

    Args:
        input_shape: `(height, width, channels)`; height and width may be
            None (they only fix the training shape).
        latent_dim: channels of the bottleneck feature map.
        filters: channels of each level above the bottleneck; `()` makes a
            plain stack of convolutions at full resolution.
        blocks: convolutions per level.
        kernel_size: side of every convolution kernel.
        style: `"unet"` (the decoder concatenates each level's features, Ronneberger et al.), `"segnet"`
            (the decoder unpools with the encoder's max-pooling indices, Badrinarayanan et al.) or `"plain"`
            (transposed convolutions, nothing passed across).
        residual: add the input to the output.
        activation: activation of the hidden convolutions.
    """
    check_choice(style, IMAGE_TO_IMAGE_STYLES, "style")
    try:
        *sides, channels = tuple(input_shape)
    except TypeError:
        sides, channels = (), None
    if len(sides) != 2 or isinstance(channels, bool) or not isinstance(channels, int) or channels <= 0:
        raise ValueError(
            f"`input_shape` must be (height, width, channels) with a positive channel count. Received: "
            f"input_shape={input_shape!r}"
        )
    check_positive_int(latent_dim, "latent_dim")
    filters = [check_positive_int(f, "filters") for f in filters]
    blocks = check_positive_int(blocks, "blocks")
    check_positive_int(kernel_size, "kernel_size")

    def convs(h, width, count, name):
        for i in range(count):
            h = layers.Conv2D(width, kernel_size, padding="same", activation=activation, name=f"{name}_conv_{i}")(h)
        return h

    depth = len(filters)
    image = keras.Input((None, None, channels), name="x")
    h = PadToMultiple(2**depth, name="pad")(image) if depth else image
    passed = []  # what each level hands the decoder: features (U-Net) or switches (SegNet)
    for level, width in enumerate(filters):
        h = convs(h, width, blocks, f"encoder_{level}")
        if style == "segnet":
            h, switches = PoolingSwitches(name=f"encoder_{level}_pool")(h)
            passed.append(switches)
        else:
            if style == "unet":
                passed.append(h)
            h = layers.MaxPooling2D(2, name=f"encoder_{level}_pool")(h)
    code = convs(h, latent_dim, blocks, "bottleneck")
    encoder = keras.Model(image, [code, *passed, image], name="encoder")

    code_in = keras.Input((None, None, latent_dim), name="code")
    passed_in = [keras.Input((None, None, width), name=f"level_{level}") for level, width in enumerate(filters)
                 if style != "plain"]
    image_in = keras.Input((None, None, channels), name="x")
    h = code_in
    for level in reversed(range(depth)):
        width, name = filters[level], f"decoder_{level}"
        if style == "segnet":
            h = layers.Conv2D(width, kernel_size, padding="same", activation=activation, name=f"{name}_reduce")(h)
            h = Unpool(name=f"{name}_unpool")([h, passed_in[level]])
            h = convs(h, width, blocks - 1, name)
        else:
            h = layers.Conv2DTranspose(width, 2, strides=2, activation=activation, name=f"{name}_up")(h)
            if style == "unet":
                h = layers.Concatenate(name=f"{name}_skip")([h, passed_in[level]])
            h = convs(h, width, blocks, name)
    h = layers.Conv2D(channels, kernel_size, padding="same", name="output")(h)
    if depth:
        h = CropLike(name="crop")([h, image_in])
    if residual:
        h = layers.Add(name="residual")([h, image_in])
    decoder = keras.Model([code_in, *passed_in, image_in], h, name="decoder")
    return encoder, decoder


def receptive_field(filters: Sequence[int], blocks: int, kernel_size: int, style: str) -> int:
    """The side of the input window one output pixel of
    `image_to_image_networks` depends on, along its deepest path (the skip
    connections' shorter paths see inside it), for the worst placement of
    the pixel on the 2x2 pooling grids.

    Exact by interval arithmetic rather than a sum of per-layer growths: a
    pixel up-sampled (or unpooled) from a coarser level came from the one
    coarse pixel whose pooling block holds it, so how much a pooling block
    widens the window depends on where the window falls on the grid."""
    depth = len(filters)
    before, after = (kernel_size - 1) // 2, kernel_size // 2  # what a "same" convolution reads either side

    def conv(window, count):
        return window[0] - count * before, window[1] + count * after

    widest = 0
    for pixel in range(2**depth):  # every placement on the pooling grids
        window = conv((pixel, pixel), 1)  # the output convolution
        for _ in range(depth):  # the decoder, from the finest level down
            window = conv(window, blocks if style != "segnet" else blocks - 1)
            window = (window[0] // 2, window[1] // 2)  # up-sampled or unpooled: one coarse pixel each
            if style == "segnet":
                window = conv(window, 1)  # the reducing convolution before the unpooling
        window = conv(window, blocks)  # the bottleneck
        for _ in range(depth):  # the encoder, from the coarsest level up
            window = conv((2 * window[0], 2 * window[1] + 1), blocks)  # a pooling block, then the convolutions
        widest = max(widest, window[1] - window[0] + 1)
    return widest
