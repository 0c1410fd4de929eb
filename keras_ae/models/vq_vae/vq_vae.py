"""The vector-quantized autoencoder (VQ-VAE): a grid of encoder vectors,
each replaced by its nearest codebook entry, and a PixelCNN prior over the
grid of code indices to sample from."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from keras_ae import losses as ae_losses
from keras_ae.blocks import conv_grid_networks
from keras_ae.layers import _SeededLayer
from keras_ae.models.base import Autoencoder, register_family
from keras_ae.validation import (
    check_batch,
    check_choice,
    check_fraction,
    check_non_negative,
    check_non_negative_int,
    check_positive_int,
)

CODEBOOK_UPDATES = ("ema", "loss")


def _all_replicas_sum(value):
    """`value` summed over the replicas of a distributed step (itself
    outside one), so every replica updates the codebook from the global batch."""
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return value
    return context.all_reduce("sum", value)


# === Layers ===


@keras.saving.register_keras_serializable(package="keras_ae")
class VectorQuantizer(_SeededLayer):
    """Replaces each vector of its input (the last axis) by its nearest
    codebook entry (squared Euclidean distance), passing the gradient
    straight through to the input (van den Oord et al., 2017).

    `call(z)` gives the quantized vectors (`output="quantized"`) or their
    int32 code indices (`output="indices"`); `call(indices,
    output="vectors")` looks code vectors up. Training updates go through
    `update`, which the model calls once per training step:

    - `codebook_update="ema"`: the codebook is not trained by gradients but
      follows exponential moving averages of the counts and sums of the
      vectors assigned to each code (Razavi et al., 2019, appendix), with
      Laplace smoothing of the counts; the statistics are summed over the
      replicas of a distributed step first.
    - `codebook_update="loss"`: the codebook is a trainable weight, trained
      by the model's codebook loss.
    - `restart_after > 0`: a code unused for that many consecutive training
      steps is moved onto an encoder vector of the current batch drawn at
      random (from the layer's saved seed stream), so it can win vectors
      again.

    Args:
        num_codes: codebook size K, >= 2.
        code_dim: dimension of each code vector.
        codebook_update: `"ema"` or `"loss"`.
        ema_decay: decay of the moving averages, in [0, 1).
        restart_after: idle training steps before a code is restarted (0: never).
        epsilon: Laplace smoothing of the EMA counts.
        seed: seed of the restarts' draws (saved with the model).
    """

    def __init__(self, num_codes, code_dim, codebook_update="ema", ema_decay=0.99, restart_after=0,
                 epsilon=1e-5, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if isinstance(num_codes, bool) or not isinstance(num_codes, (int, np.integer)) or num_codes < 2:
            raise ValueError(f"`num_codes` must be an integer >= 2. Received: num_codes={num_codes!r}")
        self.num_codes = int(num_codes)
        self.code_dim = check_positive_int(code_dim, "code_dim")
        self.codebook_update = check_choice(codebook_update, CODEBOOK_UPDATES, "codebook_update")
        self.ema_decay = check_fraction(ema_decay, "ema_decay")
        if self.ema_decay == 1:
            raise ValueError(f"`ema_decay` must be in [0, 1): 1 never moves the codebook. Received: ema_decay={ema_decay!r}")
        self.restart_after = check_non_negative_int(restart_after, "restart_after")
        self.epsilon = check_non_negative(epsilon, "epsilon")
        ema = self.codebook_update == "ema"
        limit = 1.0 / self.num_codes
        self.codebook = self.add_weight(
            shape=(self.num_codes, self.code_dim), name="codebook", trainable=not ema,
            initializer=keras.initializers.RandomUniform(-limit, limit),
            # Under tf.distribute every replica computes the same EMA update
            # from all-reduced statistics and a restart takes the first
            # replica's draw. (The optimizer's updates of a codebook trained
            # by its loss are cross-replica, where this plays no part.)
            aggregation="only_first_replica",
        )
        if ema:
            # Counts start at one and sums at the codebook, so the EMA
            # codebook m / N starts where the weight does.
            self.ema_counts = self.add_weight(shape=(self.num_codes,), initializer="ones", name="ema_counts",
                                              trainable=False, aggregation="only_first_replica")
            self.ema_sums = self.add_weight(shape=(self.num_codes, self.code_dim), name="ema_sums", trainable=False,
                                            initializer="zeros", aggregation="only_first_replica")
            self.ema_sums.assign(self.codebook.value)
        if self.restart_after:
            self.idle_steps = self.add_weight(shape=(self.num_codes,), initializer="zeros", name="idle_steps",
                                              trainable=False, aggregation="only_first_replica")

    def indices(self, z):
        """The index of each vector's nearest code: `z.shape[:-1]`, int32."""
        flat = ops.reshape(ops.cast(z, "float32"), (-1, self.code_dim))
        codebook = ops.convert_to_tensor(self.codebook)
        # |z - e|^2 = |z|^2 - 2 z.e + |e|^2, without the (vectors, codes, dim) tensor.
        distances = (
            ops.sum(flat**2, axis=1, keepdims=True)
            - 2.0 * ops.matmul(flat, ops.transpose(codebook))
            + ops.sum(codebook**2, axis=1)[None, :]
        )
        # tf.argmin, not ops.argmin: Keras's version adds a bitwise test for
        # negative zeros that LiteRT has no builtin for.
        nearest = tf.argmin(distances, axis=1, output_type=tf.int32)
        return ops.reshape(nearest, ops.shape(z)[:-1])

    def lookup(self, indices):
        """The code vectors of `indices`: shape `(*indices.shape, code_dim)`."""
        return ops.take(self.codebook, ops.cast(indices, "int32"), axis=0)

    def call(self, inputs, output="quantized"):
        if output == "vectors":  # `inputs` are code indices
            return self.lookup(inputs)
        indices = self.indices(inputs)
        if output == "indices":
            return indices
        quantized = self.lookup(indices)
        # Straight-through: the forward pass is the code, the gradient the identity.
        return inputs + ops.stop_gradient(quantized - inputs)

    def counts(self, indices):
        """How many vectors each code won in `indices`: shape `(num_codes,)`."""
        one_hot = ops.one_hot(ops.reshape(indices, (-1,)), self.num_codes, dtype="float32")
        return ops.sum(one_hot, axis=0)

    def update(self, z, indices):
        """One training step's codebook update (EMA and restarts) from the
        encoder vectors `z` and their `indices`."""
        flat = ops.stop_gradient(ops.reshape(ops.cast(z, "float32"), (-1, self.code_dim)))
        one_hot = ops.one_hot(ops.reshape(indices, (-1,)), self.num_codes, dtype="float32")
        counts = _all_replicas_sum(ops.sum(one_hot, axis=0))
        codebook = None
        if self.codebook_update == "ema":
            sums = _all_replicas_sum(ops.matmul(ops.transpose(one_hot), flat))
            decay = self.ema_decay
            ema_counts = decay * self.ema_counts + (1 - decay) * counts
            ema_sums = decay * self.ema_sums + (1 - decay) * sums
            codebook = ema_sums / self.smoothed(ema_counts)[:, None]
        if self.restart_after:
            idle = ops.where(counts > 0, 0.0, self.idle_steps + 1.0)
            dead = idle >= self.restart_after
            fresh = ops.take(flat, self.restart_picks(ops.shape(flat)[0]), axis=0)
            codebook = ops.where(dead[:, None], fresh, self.codebook if codebook is None else codebook)
            if self.codebook_update == "ema":
                # A restarted code's averages start over at its new vector.
                ema_counts = ops.where(dead, 1.0, ema_counts)
                ema_sums = ops.where(dead[:, None], fresh, ema_sums)
            self.idle_steps.assign(ops.where(dead, 0.0, idle))
        if self.codebook_update == "ema":
            self.ema_counts.assign(ema_counts)
            self.ema_sums.assign(ema_sums)
        if codebook is not None:
            self.codebook.assign(codebook)

    def restart_picks(self, vectors):
        """For each code, the index of the batch vector it would restart on,
        drawn uniformly among `vectors`. Each replica of a distributed step
        draws its own; the codebook takes the first replica's (its weights
        aggregate as "only_first_replica"), so replicas stay identical."""
        return keras.random.randint((self.num_codes,), 0, vectors, seed=self.seed_generator)

    def smoothed(self, counts):
        """Laplace-smoothed counts: no code's count is zero, and the total is kept."""
        total = ops.sum(counts)
        return (counts + self.epsilon) / (total + self.num_codes * self.epsilon) * total

    def save_own_variables(self, store):
        # The codebook and its statistics, then the seed state.
        layers.Layer.save_own_variables(self, store)
        super().save_own_variables(store)

    def load_own_variables(self, store):
        variables = self._trainable_variables + self._non_trainable_variables
        for i, variable in enumerate(variables):
            variable.assign(store[f"{i}"])
        super().load_own_variables(store)

    def compute_output_spec(self, inputs, output="quantized"):
        if output == "vectors":
            return keras.KerasTensor((*inputs.shape, self.code_dim), dtype=self.codebook.dtype)
        if output == "indices":
            return keras.KerasTensor(inputs.shape[:-1], dtype="int32")
        return keras.KerasTensor(inputs.shape, dtype=inputs.dtype)

    def get_config(self):
        config = super().get_config()
        config.update({
            "num_codes": self.num_codes, "code_dim": self.code_dim, "codebook_update": self.codebook_update,
            "ema_decay": self.ema_decay, "restart_after": self.restart_after, "epsilon": self.epsilon,
        })
        return config


@keras.saving.register_keras_serializable(package="keras_ae")
class MaskedConv2D(layers.Conv2D):
    """A convolution that sees only the pixels before the centre in raster
    order (PixelCNN, van den Oord et al., 2016): mask `"A"` excludes the
    centre (the first layer, so no output sees its own pixel), mask `"B"`
    includes it (the later layers).

    Args:
        mask_type: `"A"` or `"B"`.
        **kwargs: those of `keras.layers.Conv2D` (padding "same" keeps the grid).
    """

    def __init__(self, mask_type, filters, kernel_size, **kwargs):
        kwargs.setdefault("padding", "same")
        super().__init__(filters, kernel_size, **kwargs)
        self.mask_type = check_choice(mask_type, ("A", "B"), "mask_type")

    def build(self, input_shape):
        super().build(input_shape)
        rows, cols = self.kernel_size
        mask = np.ones((rows, cols, 1, 1), "float32")
        centre_row, centre_col = rows // 2, cols // 2
        mask[centre_row, centre_col + (self.mask_type == "B"):] = 0
        mask[centre_row + 1:] = 0
        self.mask = mask

    def convolution_op(self, inputs, kernel):
        return super().convolution_op(inputs, kernel * self.mask)

    def get_config(self):
        return {**super().get_config(), "mask_type": self.mask_type}


def pixelcnn_prior(grid, num_codes, filters=64, blocks=2):
    """A PixelCNN over a grid of code indices: `(h, w)` int32 -> logits
    `(h, w, num_codes)` of each index given those before it in raster order.

    An embedding of the indices, a 7x7 mask-A convolution, `blocks` residual
    blocks (1x1, 3x3 mask B, 1x1) and a 1x1 head: the keras.io VQ-VAE
    example's prior, with an embedding in place of its one-hot input.
    """
    indices = keras.Input(tuple(grid), dtype="int32", name="indices")
    h = layers.Embedding(num_codes, filters, name="prior_embedding")(indices)
    h = MaskedConv2D("A", filters, 7, activation="relu", name="prior_conv_a")(h)
    for i in range(blocks):
        y = layers.Conv2D(filters // 2, 1, activation="relu", name=f"prior_block_{i}_in")(h)
        y = MaskedConv2D("B", filters // 2, 3, activation="relu", name=f"prior_block_{i}_masked")(y)
        y = layers.Conv2D(filters, 1, activation="relu", name=f"prior_block_{i}_out")(y)
        h = layers.Add(name=f"prior_block_{i}_add")([h, y])
    h = layers.Conv2D(filters, 1, activation="relu", name="prior_head")(h)
    logits = layers.Conv2D(num_codes, 1, name="prior_logits")(h)
    return keras.Model(indices, logits, name="prior")


# === Metrics ===


@keras.saving.register_keras_serializable(package="keras_ae")
class CodebookUsage(keras.metrics.Metric):
    """Code counts summed since the last reset (one epoch in `fit`),
    reported as their perplexity (exp of the entropy of the usage
    distribution: K when every code is used equally, 1 when one code wins
    everything) or as the number of codes never used.

    Args:
        num_codes: codebook size.
        report: `"perplexity"` or `"dead_codes"`.
    """

    def __init__(self, num_codes, report="perplexity", name=None, **kwargs):
        super().__init__(name=name or report, **kwargs)
        self.num_codes = int(num_codes)
        self.report = check_choice(report, ("perplexity", "dead_codes"), "report")
        self.usage = self.add_variable(shape=(self.num_codes,), initializer="zeros", name="usage", aggregation="sum")

    def update_state(self, counts, sample_weight=None):
        self.usage.assign_add(ops.cast(counts, "float32"))

    def result(self):
        if self.report == "dead_codes":
            return ops.sum(ops.cast(self.usage == 0, "float32"))
        p = self.usage / ops.maximum(ops.sum(self.usage), 1.0)
        return ops.exp(-ops.sum(ops.where(p > 0, p * ops.log(ops.maximum(p, 1e-12)), 0.0)))

    def get_config(self):
        return {**super().get_config(), "num_codes": self.num_codes, "report": self.report}


# === Model ===


@register_family("vq_vae")
class VQVAE(Autoencoder):
    """Vector-quantized VAE (van den Oord et al., 2017) on the shared conv
    stacks, with a PixelCNN prior over its code grid.

    The encoder maps an image to a grid of `latent_dim`-dim vectors (7x7 for
    28x28 digits with two stride-2 stages); each is replaced by the nearest
    of `num_codes` codebook vectors and the decoder maps the quantized grid
    back. The objective, per example summed (conventions in
    `keras_ae.losses`): `reconstruction_loss` + `commitment_loss`
    (beta * |z - sg(e)|^2 over the grid) + `codebook_loss` (|sg(z) - e|^2;
    zero when the codebook follows EMA updates). `fit` also shows the
    epoch's codebook `perplexity` and `dead_codes` (codes unused so far in
    the epoch).

    `encode(x)` gives int32 code indices `(n, h, w)`; `decode` takes them
    (or quantized vectors `(n, h, w, latent_dim)`, what `latent_codes`
    gives, for the package's generic tools). The prior is a separate
    PixelCNN trained by `fit_prior` on the encoded training set and saved
    with the model; `sample(n, seed=...)` draws code grids from it and
    decodes them.

    Args:
        input_shape: `(height, width, channels)`.
        latent_dim: dimension of each code vector.
        num_codes: codebook size K, >= 2 (a code costs log2(K) bits).
        beta: weight of the commitment term, >= 0.
        codebook_update: `"ema"` (moving averages) or `"loss"` (gradients
            of the codebook loss); see `VectorQuantizer`.
        ema_decay: decay of the EMA updates, in [0, 1).
        restart_after: training steps a code may go unused before it is
            moved onto a random encoder vector (0: never).
        filters, kernel_size, activation, output_activation: the conv
            stacks (`keras_ae.blocks.conv_grid_networks`). The defaults
            differ from keras.io's example on purpose: 5x5 kernels give each
            cell of a 7x7 grid a 13-pixel view instead of 7, so 14% of
            MNIST's cells see only background instead of 44%, and those
            cells all take one code per position; with 3x3 kernels that caps
            the codebook's perplexity near a third of 64 codes. The output is
            linear, as in keras.io's example: a sigmoid under the squared
            error saturates at 0 on the black background, and with 5x5
            kernels every seed tried stopped there (an all-black decoder).
        prior_filters: width of the PixelCNN prior.
        prior_blocks: residual blocks of the prior.
        reconstruction_loss: `"mse"` or `"bce"`.
        seed: seed of the codebook restarts (saved with the model).

    Example:

    ```python
    model = keras_ae.models.VQVAE((28, 28, 1), latent_dim=16, num_codes=64)
    model.compile(optimizer="adam")
    model.fit(x_train, epochs=5, batch_size=128)
    indices = model.encode(x_test)          # (n, 7, 7) int32
    model.fit_prior(x_train, epochs=5)
    images = model.sample(16, seed=0)
    ```
    """

    default_architecture = "conv"
    owns_networks = True
    has_prior = True  # once `fit_prior` has trained the PixelCNN
    penalty_names = ("commitment_loss", "codebook_loss")
    monitor_names = ("perplexity", "dead_codes")

    def __init__(
        self,
        input_shape,
        latent_dim=16,
        num_codes=64,
        beta=0.25,
        codebook_update="ema",
        ema_decay=0.99,
        restart_after=20,
        filters=(32, 64),
        kernel_size=5,
        activation="relu",
        output_activation=None,
        prior_filters=64,
        prior_blocks=2,
        reconstruction_loss="mse",
        seed=None,
        **kwargs,
    ):
        # === Config ===
        architecture_args = {
            "input_shape": input_shape,
            "latent_dim": latent_dim,
            "filters": filters,
            "kernel_size": kernel_size,
            "activation": activation,
            "output_activation": output_activation,
        }
        if reconstruction_loss == "bce" and output_activation != "sigmoid":
            raise ValueError(
                "`reconstruction_loss='bce'` needs probabilities: pass output_activation='sigmoid'. "
                f"Received: output_activation={output_activation!r}"
            )
        self.beta = check_non_negative(beta, "beta")
        self.prior_filters = check_positive_int(prior_filters, "prior_filters")
        self.prior_blocks = check_non_negative_int(prior_blocks, "prior_blocks")
        # === Networks ===
        encoder, decoder = conv_grid_networks(**architecture_args)
        super().__init__(encoder, decoder, reconstruction_loss=reconstruction_loss, **kwargs)
        self.architecture_args = architecture_args
        self.quantizer = VectorQuantizer(
            num_codes, latent_dim, codebook_update=codebook_update, ema_decay=ema_decay,
            restart_after=restart_after, seed=seed, name="quantizer",
        )
        self.grid = tuple(self.latent_shape[:-1])
        # Not trained by the autoencoder's optimizer: `fit_prior` trains it.
        self.prior = pixelcnn_prior(self.grid, self.quantizer.num_codes, self.prior_filters, self.prior_blocks)
        self.prior.trainable = False
        for report in self.monitor_names:
            self.trackers[report] = CodebookUsage(self.quantizer.num_codes, report)

    @property
    def num_codes(self) -> int:
        return self.quantizer.num_codes

    # === Public API ===

    def call(self, inputs, training=False):
        return self.decoder(self.quantizer(self.encoder(inputs, training=training)), training=training)

    def encode(self, x, batch_size: int = 256) -> np.ndarray:
        """The code index of each grid cell: `(n, h, w)` int32."""
        x = check_batch(x, self.data_shape, "x")
        z = self.encoder.predict(x, batch_size=batch_size, verbose=0)
        return np.concatenate([np.asarray(self.quantizer.indices(z[i:i + batch_size]))
                               for i in range(0, len(z), batch_size)])

    def latent_codes(self, x, batch_size: int = 256) -> np.ndarray:
        """The quantized vectors of each grid cell: `(n, h, w, latent_dim)`."""
        return np.asarray(self.quantizer.lookup(self.encode(x, batch_size=batch_size)))

    def decode(self, z, batch_size: int = 256) -> np.ndarray:
        """Images for code indices `(n, h, w)`, or for vectors `(n, h, w, latent_dim)`."""
        z = np.asarray(z)
        if z.ndim == len(self.grid) + 1:
            z = check_batch(z, self.grid, "z")
            if np.any(z != np.round(z)) or z.min() < 0 or z.max() >= self.num_codes:
                raise ValueError(
                    f"Code indices must be integers in [0, {self.num_codes}). "
                    f"Received: z with values in [{z.min()}, {z.max()}]"
                )
            z = np.asarray(self.quantizer.lookup(z.astype("int32")))
        return super().decode(z, batch_size=batch_size)

    def fit_prior(self, x, epochs: int = 10, batch_size: int = 128, learning_rate: float = 1e-3, **fit_kwargs):
        """Trains the PixelCNN prior on the code grids of `x` (by its own
        `fit`, with its own Adam optimizer and a per-code cross-entropy in
        nats, shown as `loss`). Returns its `History`."""
        codes = self.encode(x)
        self.prior.trainable = True
        if not getattr(self.prior, "compiled", False):
            self.prior.compile(
                optimizer=keras.optimizers.Adam(learning_rate),
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            )
        try:
            return self.prior.fit(codes, codes, epochs=epochs, batch_size=batch_size, **fit_kwargs)
        finally:
            self.prior.trainable = False

    def sample_codes(self, n: int, seed: int | None = None, temperature: float = 1.0) -> np.ndarray:
        """`n` code grids drawn from the prior, one cell at a time in raster
        order: `(n, h, w)` int32, the same for the same `seed`."""
        check_positive_int(n, "n")
        if check_non_negative(temperature, "temperature") == 0:
            raise ValueError(f"`temperature` must be > 0. Received: temperature={temperature!r}")
        rng = np.random.default_rng(seed)
        codes = np.zeros((n, *self.grid), "int32")
        rows, cols = self.grid
        for r in range(rows):
            for c in range(cols):
                logits = np.asarray(self.prior(codes, training=False))[:, r, c] / temperature
                # Gumbel-max: argmax(logits + Gumbel noise) draws from softmax(logits).
                codes[:, r, c] = np.argmax(logits + rng.gumbel(size=logits.shape), axis=-1)
        return codes

    def sample(self, n: int, seed: int | None = None, batch_size: int = 256, temperature: float = 1.0) -> np.ndarray:
        """Decodes `n` code grids drawn from the PixelCNN prior."""
        return self.decode(self.sample_codes(n, seed, temperature), batch_size=batch_size)

    # === Objective ===

    def compute_terms(self, x, target, sample_weight=None, training=False):
        z = self.encoder(x, training=training)
        indices = self.quantizer.indices(z)
        quantized = self.quantizer.lookup(indices)
        z32 = ops.cast(z, "float32")
        commitment = ops.sum(ops.square(z32 - ops.stop_gradient(quantized)), axis=(1, 2, 3))
        terms = {"commitment_loss": self.beta * ae_losses.batch_mean(commitment, sample_weight)}
        if self.quantizer.codebook_update == "loss":
            codebook = ops.sum(ops.square(ops.stop_gradient(z32) - quantized), axis=(1, 2, 3))
            terms["codebook_loss"] = ae_losses.batch_mean(codebook, sample_weight)
        else:
            terms["codebook_loss"] = ops.zeros((), "float32")
        straight_through = z + ops.cast(ops.stop_gradient(quantized - z32), z.dtype)
        reconstruction = self.decoder(straight_through, training=training)
        terms["reconstruction_loss"] = ae_losses.batch_mean(self.reconstruction_error(target, reconstruction),
                                                            sample_weight)
        counts = self.quantizer.counts(indices)
        for report in self.monitor_names:
            self.trackers[report].update_state(counts)
        if training:
            self.quantizer.update(z, indices)
        return reconstruction, terms

    # === Export ===

    def for_export(self):
        return _ExportView(self)

    def export_codes(self, x) -> np.ndarray:
        """What the exported decoder takes for examples `x`: their code
        indices as float32 (the int8 converter calibrates on these)."""
        return self.encode(x).astype("float32")

    # === Config ===

    def get_config(self):
        config = super().get_config()
        q = self.quantizer
        config.update({
            "num_codes": q.num_codes, "beta": self.beta, "codebook_update": q.codebook_update,
            "ema_decay": q.ema_decay, "restart_after": q.restart_after, "prior_filters": self.prior_filters,
            "prior_blocks": self.prior_blocks, "seed": q.seed,
        })
        return config


class _ExportView:
    """What the exporters trace for a VQ-VAE: an encoder from images to
    int32 code indices (`code`), and a decoder from a float32 grid of code
    indices `z` (rounded and clipped to the codebook, as a SavedModel or
    LiteRT input is float) to images, so the signatures mirror
    `encode`/`decode`; `full` quantizes inside. The prior's autoregressive
    sampling is not exported."""

    encoder_outputs = ("code",)
    # What `keras_ae.export` asks of the model it traces.
    conditional = False
    has_encoder = True
    has_prior = False  # the prior's sampling is not exported
    export_parts = ("full", "encoder", "decoder")
    full_network = None  # `full` is the decoder on the encoder's codes

    def __init__(self, model: VQVAE):
        self.family = model.family
        self.data_shape = model.data_shape
        self.latent_shape = model.grid
        x = keras.Input(model.data_shape, name="x")
        self.encoder = keras.Model(x, model.quantizer(model.encoder(x), output="indices"), name="encoder_indices")
        z = keras.Input(model.grid, name="z")
        indices = layers.Lambda(
            lambda v: ops.cast(ops.clip(ops.round(v), 0, model.num_codes - 1), "int32"), name="to_indices"
        )(z)
        vectors = model.quantizer(indices, output="vectors")
        self.decoder = keras.Model(z, model.decoder(vectors), name="decoder_indices")

    def decoder_network(self) -> keras.Model:
        return self.decoder

    def for_export(self):
        return self
