"""Shared network blocks: dense stacks, strided convolution stacks (Conv2D
for images, Conv1D for sequences) and pre-LN self-attention stacks for
sequences, and the registry of architectures (`ARCHITECTURES`). Networks
that one family owns live in its folder (the recurrent stacks, the
image-to-image networks) and register there.

Every family builds its encoder and decoder from these, so an architecture is
written once and each family only adds its objective.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import keras
from keras import layers

from keras_ae.layers import POSITIONS, Clip, LearnedQueries, MaskedMeanPooling, PositionEmbedding, StepMask, TopK
from keras_ae.validation import check_choice, check_positive_int, check_shape

# The architectures a family can be built on from plain arguments (the CLI
# and `Autoencoder.from_spec` look them up here): name -> builder, called
# with the input shape, the code size and the architecture's own keyword
# arguments, returning (encoder, decoder). The shared ones register below; a
# family's folder registers the networks it owns, which other families may
# then be built on too (a denoising autoencoder on "recurrent").
ARCHITECTURES: dict[str, Callable[..., tuple[keras.Model, keras.Model]]] = {}


def register_architecture(name: str):
    """Decorator: files a network builder in `ARCHITECTURES` under `name`."""

    def register(builder):
        if ARCHITECTURES.get(name, builder) is not builder:
            raise ValueError(f"Two network builders are registered as {name!r}.")
        ARCHITECTURES[name] = builder
        return builder

    return register


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
    # Synchronized: under tf.distribute the statistics are those of the
    # global batch, so training on N replicas matches training on one.
    x = layers.BatchNormalization(synchronized=True, name=f"{name}_bn")(x)
    return layers.Activation(activation, name=f"{name}_act")(x)


def _strided_stack(layer_class, x, filters, kernel_size, activation, name, batch_norm=False):
    for i, f in enumerate(filters):
        layer = layer_class(
            f, kernel_size, strides=2, padding="same", activation=None if batch_norm else activation,
            use_bias=not batch_norm, name=f"{name}_{i}",
        )
        x = normalized(layer, x, activation, batch_norm, f"{name}_{i}")
    return x


# The layers of a convolution stack by the number of spatial axes: 1 for
# sequences (timesteps, features), 2 for images (height, width, channels).
_CONV_LAYERS = {
    1: (layers.Conv1D, layers.Conv1DTranspose, layers.ZeroPadding1D, layers.Cropping1D),
    2: (layers.Conv2D, layers.Conv2DTranspose, layers.ZeroPadding2D, layers.Cropping2D),
}


def conv_down_stack(x, filters: Sequence[int], kernel_size: int, activation, name: str):
    """Halves the resolution once per entry of `filters` (stride-2
    convolutions, 1-D or 2-D as `x` is a sequence or an image)."""
    conv = _CONV_LAYERS[len(x.shape) - 2][0]
    return _strided_stack(conv, x, filters, kernel_size, activation, f"{name}_conv")


def conv_up_stack(x, filters: Sequence[int], kernel_size: int, activation, name: str, batch_norm: bool = False):
    """Doubles the resolution once per entry of `filters` (stride-2
    transposed convolutions), each stage batch-normalized when `batch_norm`."""
    deconv = _CONV_LAYERS[len(x.shape) - 2][1]
    return _strided_stack(deconv, x, filters, kernel_size, activation, f"{name}_deconv", batch_norm)


@register_architecture("dense")
def dense_networks(
    input_shape: Sequence[int],
    latent_dim: int,
    units: Sequence[int] = (512, 256),
    activation: str = "relu",
    latent_activation: str | None = None,
    output_activation: str | None = "sigmoid",
    top_k: int | None = None,
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
        top_k: keep only the `top_k` largest code units of each example
            (`keras_ae.layers.TopK`: the k-sparse autoencoder); None keeps all.
    """
    input_shape = check_shape(input_shape, "input_shape")
    check_positive_int(latent_dim, "latent_dim")
    units = [check_positive_int(u, "units") for u in units]
    if top_k is not None and check_positive_int(top_k, "top_k") > latent_dim:
        raise ValueError(f"`top_k` must be at most latent_dim={latent_dim}. Received: top_k={top_k}")

    inputs = keras.Input(input_shape, name="x")
    h = layers.Flatten(name="flatten")(inputs) if len(input_shape) > 1 else inputs
    h = dense_stack(h, units, activation, name="encoder")
    code = layers.Dense(latent_dim, activation=latent_activation, name="code")(h)
    if top_k is not None:
        code = TopK(top_k, name="code_top_k")(code)
    encoder = keras.Model(inputs, code, name="encoder")

    z = keras.Input((latent_dim,), name="z")
    h = dense_stack(z, units[::-1], activation, name="decoder")
    h = layers.Dense(math.prod(input_shape), activation=output_activation, name="output")(h)
    if len(input_shape) > 1:
        h = layers.Reshape(input_shape, name="reshape")(h)
    decoder = keras.Model(z, h, name="decoder")
    return encoder, decoder


def _stack_padding(sides: Sequence[int], stages: int):
    """`(pads, padding, grid)` of a stack of `stages` stride-2 stages: the
    zero padding that makes each side a multiple of `2 ** stages` (as a
    total per side and as the padding layer's argument) and the sides of
    the feature map it ends in."""
    factor = 2**stages
    pads = [(-side) % factor for side in sides]
    padding = tuple((p // 2, p - p // 2) for p in pads)
    padding = padding[0] if len(sides) == 1 else padding
    return pads, padding, tuple((side + p) // factor for side, p in zip(sides, pads))


@register_architecture("conv")
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
    """A strided-convolution encoder and its transposed-convolution mirror,
    2-D for images `(height, width, channels)`, 1-D for sequences
    `(timesteps, features)`.

    Each entry of `filters` is one stride-2 stage. Inputs whose sides are
    not a multiple of `2 ** len(filters)` are zero-padded on the way in and
    cropped on the way out, so any size works.

    Args:
        input_shape: `(height, width, channels)` or `(timesteps, features)`.
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
    input_shape = check_shape(input_shape, "input_shape")
    if len(input_shape) not in (2, 3):
        raise ValueError(
            "`input_shape` must be (height, width, channels) for images or (timesteps, "
            f"features) for sequences. Received: input_shape={input_shape!r}"
        )
    check_positive_int(latent_dim, "latent_dim")
    check_positive_int(kernel_size, "kernel_size")
    filters = [check_positive_int(f, "filters") for f in filters]
    if not filters:
        raise ValueError(f"`filters` needs at least one stage. Received: filters={filters}")
    dense_units = [check_positive_int(u, "dense_units") for u in dense_units]

    *sides, channels = input_shape
    _, _, pad_layer, crop_layer = _CONV_LAYERS[len(sides)]
    pads, padding, grid = _stack_padding(sides, len(filters))
    feature_shape = (*grid, filters[-1])

    inputs = keras.Input(input_shape, name="x")
    h = inputs
    if any(pads):
        h = pad_layer(padding, name="pad")(h)
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
    h = _CONV_LAYERS[len(sides)][0](
        channels, kernel_size, padding="same", activation=output_activation, name="output"
    )(h)
    if any(pads):
        h = crop_layer(padding, name="crop")(h)
    decoder = keras.Model(z, h, name="decoder")
    return encoder, decoder


def conv_grid_networks(
    input_shape: Sequence[int],
    latent_dim: int,
    filters: Sequence[int] = (32, 64),
    kernel_size: int = 3,
    activation: str = "relu",
    output_activation: str | None = "sigmoid",
) -> tuple[keras.Model, keras.Model]:
    """The strided stacks of `conv_networks` without the dense bottleneck:
    the encoder ends in a grid of `latent_dim`-channel vectors (a 1x1
    convolution), one per `2 ** len(filters)`-pixel cell, and the decoder
    takes such a grid back to an image. The vector-quantized families
    quantize each cell of the grid.

    Args:
        input_shape: `(height, width, channels)`.
        latent_dim: channels of each grid vector.
        filters: channels of each down-sampling stage; the decoder mirrors them.
        kernel_size: side of every convolution kernel.
        activation: activation of the hidden layers.
        output_activation: activation of the reconstruction.
    """
    input_shape = check_shape(input_shape, "input_shape", rank=3)
    check_positive_int(latent_dim, "latent_dim")
    check_positive_int(kernel_size, "kernel_size")
    filters = [check_positive_int(f, "filters") for f in filters]
    if not filters:
        raise ValueError(f"`filters` needs at least one stage. Received: filters={filters}")
    *sides, channels = input_shape
    pads, padding, grid = _stack_padding(sides, len(filters))

    inputs = keras.Input(input_shape, name="x")
    h = layers.ZeroPadding2D(padding, name="pad")(inputs) if any(pads) else inputs
    h = conv_down_stack(h, filters, kernel_size, activation, name="encoder")
    code = layers.Conv2D(latent_dim, 1, name="code")(h)
    encoder = keras.Model(inputs, code, name="encoder")

    z = keras.Input((*grid, latent_dim), name="z")
    h = conv_up_stack(z, filters[::-1], kernel_size, activation, name="decoder")
    h = layers.Conv2D(channels, kernel_size, padding="same", activation=output_activation, name="output")(h)
    if any(pads):
        h = layers.Cropping2D(padding, name="crop")(h)
    decoder = keras.Model(z, h, name="decoder")
    return encoder, decoder


# === Recurrent stacks ===

# === Transformer stacks ===


def _check_transformer_args(input_shape, latent_dim, dim, num_heads, num_layers, mlp_units, memory_tokens,
                            patch_size, position):
    input_shape = check_shape(input_shape, "input_shape")
    if len(input_shape) != 2:
        raise ValueError(
            f"`input_shape` must be (timesteps, features) for a sequence. Received: input_shape={input_shape!r}"
        )
    for value, name in ((latent_dim, "latent_dim"), (dim, "dim"), (num_heads, "num_heads"),
                        (num_layers, "num_layers"), (mlp_units, "mlp_units"), (memory_tokens, "memory_tokens"),
                        (patch_size, "patch_size")):
        check_positive_int(value, name)
    if dim % num_heads:
        raise ValueError(
            f"`num_heads` must divide the width dim={dim} (each head gets dim / num_heads channels). "
            f"Received: num_heads={num_heads}"
        )
    check_choice(position, POSITIONS, "position")
    return input_shape


def _residual(x, update, name: str):
    return layers.Add(name=f"{name}_add")([x, update])


def transformer_block(x, context, num_heads: int, mlp_units: int, activation, name: str, attention_mask=None):
    """One pre-LN transformer block on `x` `(batch, tokens, dim)`: self-attention
    (keys masked by `attention_mask`, `(batch, 1, tokens)`), cross-attention
    to `context` when given, and a two-layer MLP, each added back to `x`
    after a LayerNormalization of its input (Xiong et al. 2020: stable
    without a learning-rate warm-up)."""
    dim = x.shape[-1]
    key_dim = dim // num_heads
    h = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_self_norm")(x)
    h = layers.MultiHeadAttention(num_heads, key_dim, name=f"{name}_self_attention")(h, h, attention_mask=attention_mask)
    x = _residual(x, h, f"{name}_self")
    if context is not None:
        h = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_cross_norm")(x)
        h = layers.MultiHeadAttention(num_heads, key_dim, name=f"{name}_cross_attention")(h, context)
        x = _residual(x, h, f"{name}_cross")
    h = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_mlp_norm")(x)
    h = layers.Dense(mlp_units, activation=activation, name=f"{name}_mlp_0")(h)
    h = layers.Dense(dim, name=f"{name}_mlp_1")(h)
    return _residual(x, h, f"{name}_mlp")


@register_architecture("transformer")
def transformer_networks(
    input_shape: Sequence[int],
    latent_dim: int,
    dim: int = 32,
    num_heads: int = 2,
    num_layers: int = 2,
    mlp_units: int = 64,
    memory_tokens: int = 4,
    patch_size: int = 1,
    position: str = "learned",
    activation: str = "relu",
    latent_activation: str | None = None,
    output_activation: str | None = None,
    mask_value: float | None = None,
) -> tuple[keras.Model, keras.Model]:
    """A self-attention encoder pooled to a code, and a decoder whose
    learned queries read the code back out by cross-attention.

    Encoder: every `patch_size` consecutive steps make one token (the
    sequence zero-padded at the end to a multiple), projected to `dim`
    channels plus its position; `num_layers` pre-LN blocks of
    self-attention and MLP; a final LayerNormalization, the mean over the
    tokens and a dense code layer. Decoder: the code projected to
    `memory_tokens` vectors of `dim` channels; one learned query per
    output token; `num_layers` blocks of self-attention among the queries,
    cross-attention from the queries to the memory, and MLP; a dense layer
    writing each token's `patch_size` steps (cropped back to `timesteps`).

    Args:
        input_shape: `(timesteps, features)`.
        latent_dim: size of the code.
        dim: width of every token (and of the memory).
        num_heads: attention heads; must divide `dim`.
        num_layers: blocks in the encoder, and in the decoder.
        mlp_units: hidden width of each block's MLP.
        memory_tokens: vectors the decoder's queries attend to, made from the code.
        patch_size: steps per token. Attention costs the square of the
            number of tokens: 4 makes a 288-step window 72 tokens.
        position: `"learned"` (a vector per token) or `"sinusoidal"` (fixed).
        activation: activation of the MLPs. ReLU by default: Keras's exact
            "gelu" becomes an Erfc op, which ONNX export cannot write.
        latent_activation: activation of the code layer (None = linear).
        output_activation: activation of the reconstruction (None for
            standardized series).
        mask_value: padding value of variable-length sequences, or None. A
            step whose features all equal it is zeroed before the encoder
            reads it; a token of padded steps only is no key of any
            attention and is left out of the pooled mean. So the values at
            padded steps change no code.
    """
    timesteps, features = _check_transformer_args(
        input_shape, latent_dim, dim, num_heads, num_layers, mlp_units, memory_tokens, patch_size, position
    )
    tokens = -(-timesteps // patch_size)
    pad = tokens * patch_size - timesteps

    def to_tokens(h, channels, name):
        # (batch, timesteps, channels) -> (batch, tokens, patch_size * channels)
        if pad:
            h = layers.ZeroPadding1D((0, pad), name=f"{name}_pad")(h)
        return h if patch_size == 1 else layers.Reshape((tokens, patch_size * channels), name=f"{name}_patches")(h)

    inputs = keras.Input((timesteps, features), name="x")
    h, mask = inputs, None
    if mask_value is not None:
        valid = layers.Reshape((timesteps, 1), name="valid_steps")(StepMask(mask_value, name="step_mask")(inputs))
        h = layers.Multiply(name="zero_padding_steps")([inputs, valid])
        # 1 for a token holding any data: "any step differs from 0".
        valid = StepMask(0.0, name="token_mask")(to_tokens(valid, 1, "valid"))
        # (batch, 1, tokens): every query sees the same keys.
        mask = layers.Reshape((1, tokens), name="key_mask")(valid)
    h = layers.Dense(dim, name="encoder_embed")(to_tokens(h, features, "encoder"))
    h = PositionEmbedding(position, name="encoder_position")(h)
    for i in range(num_layers):
        h = transformer_block(h, None, num_heads, mlp_units, activation, f"encoder_{i}", attention_mask=mask)
    h = layers.LayerNormalization(epsilon=1e-6, name="encoder_norm")(h)
    if mask_value is None:
        h = layers.GlobalAveragePooling1D(name="pool")(h)
    else:
        h = MaskedMeanPooling(name="pool")([h, valid])
    code = layers.Dense(latent_dim, activation=latent_activation, name="code")(h)
    encoder = keras.Model(inputs, code, name="encoder")

    z = keras.Input((latent_dim,), name="z")
    memory = layers.Dense(memory_tokens * dim, name="decoder_memory")(z)
    memory = layers.Reshape((memory_tokens, dim), name="memory_tokens")(memory)
    memory = layers.LayerNormalization(epsilon=1e-6, name="memory_norm")(memory)
    h = LearnedQueries(tokens, dim, name="decoder_queries")(z)
    for i in range(num_layers):
        h = transformer_block(h, memory, num_heads, mlp_units, activation, f"decoder_{i}")
    h = layers.LayerNormalization(epsilon=1e-6, name="decoder_norm")(h)
    h = layers.Dense(patch_size * features, activation=output_activation, name="output")(h)
    if patch_size > 1:
        h = layers.Reshape((tokens * patch_size, features), name="steps")(h)
    if pad:
        h = layers.Cropping1D((0, pad), name="crop")(h)
    return encoder, keras.Model(z, h, name="decoder")


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
