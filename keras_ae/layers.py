"""Layers shared by the families: the training-time input corruption of the
denoising models, the variational families' sampling and clamping, the
k-sparse code, and the sequence transformers' positions, queries and masks.
A layer that one family alone uses lives in that family's folder."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from keras_ae.validation import check_choice, check_fraction, check_non_negative, check_positive_int

NOISE_KINDS = ("gaussian", "salt_and_pepper", "masking")


def _draw_seed(seed):
    # A drawn seed is kept in the config, so a reloaded model draws from
    # the same stream (reproducible under keras.utils.set_random_seed).
    return int(np.random.randint(0, 2**31 - 1)) if seed is None else int(seed)


class ReplicaSeedGenerator(keras.random.SeedGenerator):
    """A `SeedGenerator` whose draws differ on every replica of a
    distributed step, and repeat exactly from the same state.

    Under `tf.distribute` a generator's state is mirrored: every replica
    holds the same state and advances it the same way, so a plain
    `SeedGenerator` gives every replica the same numbers, and an N-replica
    batch carries the noise of one replica's batch N times. Here each seed
    the state gives out is folded with the replica's global id (worker
    index x local replicas + local replica:
    `MultiWorkerMirroredStrategy` numbers replicas across workers). The
    state itself still advances once per draw everywhere, so the saved
    state resumes every replica's stream. With one replica the state's own
    seed is used, so a single-device run draws what it always drew.
    """

    def next(self, ordered=True):
        seed = super().next(ordered=ordered)
        context = tf.distribute.get_replica_context()
        if context is None or context.num_replicas_in_sync == 1:
            return seed
        replica = tf.cast(context.replica_id_in_sync_group, seed.dtype)
        return tf.random.experimental.stateless_fold_in(seed, replica)


class _SeededLayer(layers.Layer):
    """A layer drawing from its own `ReplicaSeedGenerator`, whose state is saved.

    Keras does not save seed-generator state; saving it makes a resumed run
    draw the numbers the uninterrupted run would have drawn.
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = _draw_seed(seed)
        self.seed_generator = ReplicaSeedGenerator(self.seed, name="seed_generator")
        # No weights to create; the seed state exists already.
        self.built = True

    def save_own_variables(self, store):
        store["seed_state"] = keras.ops.convert_to_numpy(self.seed_generator.state.value)

    def load_own_variables(self, store):
        if "seed_state" in store:
            self.seed_generator.state.assign(store["seed_state"][...])

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


@keras.saving.register_keras_serializable(package="keras_ae")
class Corruption(_SeededLayer):
    """Corrupts its input when `training=True`; the identity otherwise.

    Args:
        kind: `"gaussian"` (additive noise of standard deviation `level`, or
            blind: a pair `(low, high)` draws each example's standard
            deviation uniformly from that range),
            `"salt_and_pepper"` (a fraction `level` of values set to the low
            or high end of `value_range`, half each on average) or
            `"masking"` (a fraction `level` of values set to zero, the
            dropout-style corruption of Vincent et al.).
        level: the standard deviation or the fraction, as above.
        value_range: `(low, high)` of the data. Gaussian noise is clipped to
            it; salt and pepper use its ends. None leaves Gaussian noise
            unclipped (salt and pepper then needs one).
        seed: seed of the layer's `SeedGenerator`; its state is saved with
            the model, so a resumed run draws the noise it would have drawn.
    """

    def __init__(self, kind="gaussian", level=0.3, value_range=(0.0, 1.0), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.kind = check_choice(kind, NOISE_KINDS, "noise")
        if kind == "gaussian" and isinstance(level, (tuple, list)):
            self.level = tuple(check_non_negative(v, "noise_level") for v in level)
            if len(self.level) != 2 or not self.level[0] < self.level[1]:
                raise ValueError(
                    f"A blind `noise_level` must be (low, high) with low < high. Received: noise_level={level!r}"
                )
        elif kind == "gaussian":
            self.level = check_non_negative(level, "noise_level")
        else:
            self.level = check_fraction(level, "noise_level")
        if value_range is not None:
            value_range = tuple(float(v) for v in value_range)
            if len(value_range) != 2 or not value_range[0] < value_range[1]:
                raise ValueError(
                    f"`value_range` must be (low, high) with low < high. Received: value_range={value_range!r}"
                )
        elif kind == "salt_and_pepper":
            raise ValueError("Salt-and-pepper noise needs the data's range. Received: value_range=None")
        self.value_range = value_range

    def call(self, inputs, training=False):
        if not training or self.level == 0:
            return inputs
        shape = ops.shape(inputs)
        if self.kind == "gaussian":
            level = self.level
            if isinstance(level, tuple):
                # One standard deviation per example, broadcast over its values.
                per_example = (shape[0],) + (1,) * (len(inputs.shape) - 1)
                level = keras.random.uniform(per_example, *level, seed=self.seed_generator, dtype=inputs.dtype)
            noisy = inputs + level * keras.random.normal(shape, seed=self.seed_generator, dtype=inputs.dtype)
            return noisy if self.value_range is None else ops.clip(noisy, *self.value_range)
        hit = keras.random.uniform(shape, seed=self.seed_generator, dtype=inputs.dtype) < self.level
        if self.kind == "masking":
            return ops.where(hit, ops.zeros_like(inputs), inputs)
        salt = keras.random.uniform(shape, seed=self.seed_generator, dtype=inputs.dtype) < 0.5
        low, high = self.value_range
        flipped = ops.where(salt, ops.full_like(inputs, high), ops.full_like(inputs, low))
        return ops.where(hit, flipped, inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"kind": self.kind, "level": self.level, "value_range": self.value_range})
        return config


@keras.saving.register_keras_serializable(package="keras_ae")
class GaussianSampler(_SeededLayer):
    """Draws `z = mean + exp(log_var / 2) * eps`, eps ~ N(0, I): the
    reparameterization trick, so gradients flow to `mean` and `log_var`.

    Also draws the dynamic binarization of a batch (`bernoulli`), from the
    same saved stream.

    Args:
        seed: seed of the layer's `SeedGenerator` (saved with the model).
    """

    def call(self, inputs):
        mean, log_var = inputs
        eps = keras.random.normal(ops.shape(mean), seed=self.seed_generator, dtype=mean.dtype)
        return mean + ops.exp(0.5 * log_var) * eps

    def sample_many(self, mean, log_var, k: int):
        """`k` draws per example: shape `(batch, k, *code_shape)`."""
        shape = (ops.shape(mean)[0], k, *mean.shape[1:])
        eps = keras.random.normal(shape, seed=self.seed_generator, dtype=mean.dtype)
        return ops.expand_dims(mean, 1) + ops.exp(0.5 * ops.expand_dims(log_var, 1)) * eps

    def bernoulli(self, probabilities):
        """A 0/1 draw of each value, with that value as its probability."""
        draw = keras.random.uniform(ops.shape(probabilities), seed=self.seed_generator, dtype=probabilities.dtype)
        return ops.cast(draw < probabilities, probabilities.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape[0]


@keras.saving.register_keras_serializable(package="keras_ae")
class Clip(layers.Layer):
    """Clamps its input to `[low, high]`.

    The variational encoders end their log-variance with it: an exp() of an
    unclamped log-variance overflows on a bad step and poisons the run.
    """

    def __init__(self, low, high, **kwargs):
        super().__init__(**kwargs)
        self.low, self.high = float(low), float(high)
        self.built = True

    def call(self, inputs):
        return ops.clip(inputs, self.low, self.high)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "low": self.low, "high": self.high}


@keras.saving.register_keras_serializable(package="keras_ae")
class TopK(layers.Layer):
    """Keeps the `k` largest values of each example's code and zeros the
    rest: the code of the k-sparse autoencoder (Makhzani & Frey 2013).

    Gradients reach only the kept units. With `k=1` and a linear decoder the
    autoencoder learns what k-means (gain-shape vector quantisation) learns,
    by gradient descent: each example is one unit's direction times a gain.

    Args:
        k: units kept per example (a positive integer, at most the code size).
    """

    def __init__(self, k, **kwargs):
        super().__init__(**kwargs)
        self.k = check_positive_int(k, "k")

    def build(self, input_shape):
        if input_shape[-1] is not None and input_shape[-1] < self.k:
            raise ValueError(f"`k` must be at most the code size {input_shape[-1]}. Received: k={self.k}")

    def call(self, inputs):
        threshold = ops.top_k(inputs, self.k)[0][..., -1:]
        # Ties at the threshold keep every tied unit: measure zero for real codes.
        return ops.where(inputs >= threshold, inputs, ops.zeros_like(inputs))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "k": self.k}


# === Sequence transformers ===

POSITIONS = ("learned", "sinusoidal")


def sinusoidal_table(timesteps: int, dim: int) -> np.ndarray:
    """The fixed position encoding of Vaswani et al. (2017): sines on the
    even channels, cosines on the odd ones, wavelengths from 2 pi to
    10000 * 2 pi; (timesteps, dim) float32."""
    positions = np.arange(timesteps)[:, None]
    rates = 1.0 / 10000.0 ** (2 * (np.arange(dim) // 2) / dim)
    angles = positions * rates[None, :]
    return np.where(np.arange(dim) % 2 == 0, np.sin(angles), np.cos(angles)).astype("float32")


@keras.saving.register_keras_serializable(package="keras_ae")
class PositionEmbedding(layers.Layer):
    """Adds a position vector to each time step of `(batch, timesteps, dim)`:
    a learned one per step, or the fixed sinusoidal encoding (no weights,
    so the same weights serve any sequence length).

    Args:
        kind: `"learned"` or `"sinusoidal"`.
    """

    def __init__(self, kind="learned", **kwargs):
        super().__init__(**kwargs)
        self.kind = check_choice(kind, POSITIONS, "position")

    def build(self, input_shape):
        timesteps, dim = input_shape[1], input_shape[2]
        if self.kind == "learned":
            # Small, as BERT's: the step's own features dominate at the start.
            self.embeddings = self.add_weight(
                shape=(timesteps, dim), initializer=keras.initializers.RandomNormal(stddev=0.02), name="embeddings"
            )
        else:
            self.embeddings = sinusoidal_table(timesteps, dim)

    def call(self, inputs):
        return inputs + ops.cast(self.embeddings, inputs.dtype)[None]

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "kind": self.kind}


@keras.saving.register_keras_serializable(package="keras_ae")
class LearnedQueries(layers.Layer):
    """One learned vector per output step, the same for every example:
    `(batch, ...)` -> `(batch, timesteps, dim)`. A transformer decoder's
    queries, which read the code through cross-attention.

    Args:
        timesteps: output steps.
        dim: width of each query.
    """

    def __init__(self, timesteps, dim, **kwargs):
        super().__init__(**kwargs)
        self.timesteps = check_positive_int(timesteps, "timesteps")
        self.dim = check_positive_int(dim, "dim")

    def build(self, input_shape):
        # Unit scale: the queries carry each step's identity on their own.
        self.queries = self.add_weight(
            shape=(self.timesteps, self.dim), initializer=keras.initializers.RandomNormal(stddev=1.0), name="queries"
        )

    def call(self, inputs):
        batch = ops.shape(inputs)[0]
        return ops.tile(ops.cast(self.queries, self.compute_dtype)[None], [batch, 1, 1])

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.timesteps, self.dim)

    def get_config(self):
        return {**super().get_config(), "timesteps": self.timesteps, "dim": self.dim}


@keras.saving.register_keras_serializable(package="keras_ae")
class StepMask(layers.Layer):
    """`(batch, timesteps, features)` -> `(batch, timesteps)`: 1 for a step
    holding data, 0 for padding (every feature equal to `mask_value`, the
    rule of `keras.layers.Masking`).

    Computed as a maximum over features of "differs from mask_value", not
    `ops.all`: REDUCE_MAX is a LiteRT builtin on every runtime.
    """

    def __init__(self, mask_value, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = float(mask_value)
        self.built = True

    def call(self, inputs):
        differs = ops.cast(ops.not_equal(inputs, self.mask_value), inputs.dtype)
        return ops.max(differs, axis=-1)

    def compute_output_shape(self, input_shape):
        return input_shape[:2]

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}


@keras.saving.register_keras_serializable(package="keras_ae")
class MaskedMeanPooling(layers.Layer):
    """The mean over time of `inputs[0]` `(batch, timesteps, dim)`, over
    the steps where `inputs[1]` `(batch, timesteps)` is 1: padding leaves
    no trace in it. An all-padding sequence pools to zeros."""

    def call(self, inputs):
        values, weights = inputs
        weights = ops.cast(weights, values.dtype)[..., None]
        total = ops.sum(values * weights, axis=1)
        return total / ops.maximum(ops.sum(weights, axis=1), 1.0)

    def compute_output_shape(self, input_shapes):
        values = input_shapes[0]
        return (values[0], values[2])
