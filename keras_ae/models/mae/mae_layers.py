"""The masked autoencoder's own layers and networks: images cut into patches
and put back, the seeded choice of masked patches, and the mask tokens."""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import layers, ops

from keras_ae.blocks import transformer_block
from keras_ae.layers import PositionEmbedding, _SeededLayer

# === Layers ===


@keras.saving.register_keras_serializable(package="keras_ae")
class Patches(layers.Layer):
    """`(batch, height, width, channels)` -> `(batch, patches, p * p * channels)`,
    the patches in raster order, each patch's values row by row.

    SPACE_TO_DEPTH and a reshape: LiteRT builtins, where a 6-D transpose
    of the same cut is not on every runtime.

    Args:
        patch_size: side `p` of a square patch.
    """

    def __init__(self, patch_size, **kwargs):
        super().__init__(**kwargs)
        self.patch_size = int(patch_size)
        self.built = True

    def call(self, inputs):
        h = tf.nn.space_to_depth(inputs, self.patch_size)
        return ops.reshape(h, (-1, h.shape[1] * h.shape[2], h.shape[3]))

    def compute_output_shape(self, input_shape):
        p = self.patch_size
        return (input_shape[0], (input_shape[1] // p) * (input_shape[2] // p), p * p * input_shape[3])

    def get_config(self):
        return {**super().get_config(), "patch_size": self.patch_size}


@keras.saving.register_keras_serializable(package="keras_ae")
class PatchImages(layers.Layer):
    """The inverse of `Patches`: `(batch, patches, p * p * channels)` ->
    `(batch, height, width, channels)` for a grid of `grid` patches.

    Args:
        patch_size: side `p` of a square patch.
        grid: `(rows, columns)` of patches.
    """

    def __init__(self, patch_size, grid, **kwargs):
        super().__init__(**kwargs)
        self.patch_size = int(patch_size)
        self.grid = tuple(int(g) for g in grid)
        self.built = True

    def call(self, inputs):
        h = ops.reshape(inputs, (-1, *self.grid, inputs.shape[-1]))
        return tf.nn.depth_to_space(h, self.patch_size)

    def compute_output_shape(self, input_shape):
        p = self.patch_size
        return (input_shape[0], self.grid[0] * p, self.grid[1] * p, input_shape[-1] // (p * p))

    def get_config(self):
        return {**super().get_config(), "patch_size": self.patch_size, "grid": self.grid}


@keras.saving.register_keras_serializable(package="keras_ae")
class PatchMasking(_SeededLayer):
    """Draws which patches each image hides: a uniform random ranking of the
    patches per image (the argsort of uniform noise, as in He et al.); the
    first `visible` in it are shown to the encoder.

    `call(images)` draws from the layer's own `ReplicaSeedGenerator` (its
    state is saved: a resumed run draws what the uninterrupted one would
    have, and each replica of a distributed step draws its own masks);
    `draw(batch, seed=...)` draws from a fixed seed instead.

    Returns `(keep, restore, masked)`: `keep` `(batch, visible)` int32, the
    indices of the visible patches; `restore` `(batch, patches)` int32, the
    place of each patch in `[visible..., hidden...]`; `masked`
    `(batch, patches)` float32, 1 on a hidden patch.

    Args:
        patches: patches per image.
        visible: patches shown to the encoder.
        seed: seed of the layer's generator.
    """

    def __init__(self, patches, visible, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.patches, self.visible = int(patches), int(visible)

    def call(self, inputs):
        noise = keras.random.uniform((ops.shape(inputs)[0], self.patches), seed=self.seed_generator)
        return self._ranked(noise)

    def draw(self, batch, seed: int):
        noise = tf.random.stateless_uniform((batch, self.patches), seed=[int(seed), 0])
        return self._ranked(noise)

    def _ranked(self, noise):
        shuffle = tf.argsort(noise, axis=1, stable=True)
        restore = tf.argsort(shuffle, axis=1, stable=True)
        masked = tf.cast(restore >= self.visible, "float32")
        return shuffle[:, : self.visible], restore, masked

    def get_config(self):
        return {**super().get_config(), "patches": self.patches, "visible": self.visible}


@keras.saving.register_keras_serializable(package="keras_ae")
class MaskTokens(layers.Layer):
    """`[visible, restore]` -> every patch's token: the visible patches'
    tokens `(batch, visible, dim)` followed by one learned mask token per
    hidden patch, put back in patch order by `restore` (see `PatchMasking`).

    Args:
        patches: patches per image.
    """

    def __init__(self, patches, **kwargs):
        super().__init__(**kwargs)
        self.patches = int(patches)

    def build(self, input_shape):
        # Small, as the position embeddings: the decoder tells hidden
        # patches apart by their positions.
        self.token = self.add_weight(shape=(input_shape[0][-1],), initializer=keras.initializers.RandomNormal(stddev=0.02),
                                     name="mask_token")

    def call(self, inputs):
        visible, restore = inputs
        batch, shown = ops.shape(visible)[0], ops.shape(visible)[1]
        hidden = ops.broadcast_to(ops.cast(self.token, visible.dtype), (batch, self.patches - shown, visible.shape[-1]))
        return tf.gather(ops.concatenate([visible, hidden], axis=1), restore, batch_dims=1)

    def compute_output_shape(self, input_shapes):
        return (input_shapes[0][0], self.patches, input_shapes[0][-1])

    def get_config(self):
        return {**super().get_config(), "patches": self.patches}


# === Functional Model ===


def mae_networks(input_shape, patch_size, dim, num_heads, num_layers, mlp_units, decoder_dim, decoder_layers,
                 decoder_mlp_units, activation):
    """The networks of `MaskedAutoencoder`, as standalone `keras.Model`s:

    - `embed`: images -> every patch's token `(batch, patches, dim)` (a
      linear map of its pixels plus its learned position);
    - `blocks`: any number of tokens -> encoded tokens (`num_layers`
      pre-LN blocks of `keras_ae.blocks.transformer_block` and a final
      LayerNormalization);
    - `encoder`: images -> their code, the mean of every patch's encoded
      token (no patch hidden);
    - `decoder`: every patch's token at `decoder_dim` -> its pixels
      (learned positions, `decoder_layers` blocks, a linear output).
    """
    height, width, channels = input_shape
    grid = (height // patch_size, width // patch_size)
    patches = grid[0] * grid[1]

    images = keras.Input(input_shape, name="x")
    h = layers.Dense(dim, name="patch_embed")(Patches(patch_size, name="patches")(images))
    embed = keras.Model(images, PositionEmbedding("learned", name="encoder_position")(h), name="embed")

    tokens = keras.Input((None, dim), name="tokens")
    h = tokens
    for i in range(num_layers):
        h = transformer_block(h, None, num_heads, mlp_units, activation, f"encoder_{i}")
    blocks = keras.Model(tokens, layers.LayerNormalization(epsilon=1e-6, name="encoder_norm")(h), name="blocks")

    images = keras.Input(input_shape, name="x")
    code = layers.GlobalAveragePooling1D(name="pool")(blocks(embed(images)))
    encoder = keras.Model(images, code, name="encoder")

    tokens = keras.Input((patches, decoder_dim), name="tokens")
    h = PositionEmbedding("learned", name="decoder_position")(tokens)
    for i in range(decoder_layers):
        h = transformer_block(h, None, num_heads, decoder_mlp_units, activation, f"decoder_{i}")
    h = layers.LayerNormalization(epsilon=1e-6, name="decoder_norm")(h)
    h = layers.Dense(patch_size * patch_size * channels, name="patch_pixels")(h)
    decoder = keras.Model(tokens, h, name="decoder")
    return embed, blocks, encoder, decoder
