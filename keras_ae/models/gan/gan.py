"""The GAN: a generator against a discriminator, each with its own optimizer,
trained by the two-player objective in one custom `train_step`; and its
conditional form."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_ae.blocks import condition_on_labels, conditioned_shape, conv_networks
from keras_ae.labels import ConditionalSampling, check_labels, labelled_batch, one_hot
from keras_ae.latent import interpolate_codes, prior_codes
from keras_ae.layers import GaussianSampler
from keras_ae.models.base import TrainedModel, _input_shape_of, register_family
from keras_ae.validation import ValueRange, check_batch, check_positive_int

# The data range a generator's output activation can reach: real images
# outside it let the discriminator win on the range alone.
_GENERATOR_RANGES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}


def _output_activation(network) -> str | None:
    """The name of the activation of `network`'s last layer (looking into
    nested models), or None."""
    layer = network.layers[-1]
    while isinstance(layer, keras.Model):
        layer = layer.layers[-1]
    return getattr(getattr(layer, "activation", None), "__name__", None)


def dcgan_networks(image_shape, latent_dim, filters=(64, 128), kernel_size=4, condition_classes=0):
    """A DCGAN-style generator (dense projection, stride-2 Conv2DTranspose
    stages, batch normalization and ReLU, sigmoid output) and discriminator
    (stride-2 Conv2D stages, leaky ReLU, no normalization, one logit), from
    the shared conv blocks.

    With `condition_classes`, both take a one-hot label as a second input.
    """
    k = condition_classes
    # Batch normalization in the generator is what keeps DCGAN from
    # collapsing onto a few modes (Radford et al.); the discriminator goes
    # without, so it judges each image on its own.
    _, generator = conv_networks(image_shape, latent_dim + k, filters, kernel_size, activation="relu", decoder_batch_norm=True)
    discriminator_shape = conditioned_shape(image_shape, k) if k else image_shape
    discriminator, _ = conv_networks(discriminator_shape, 1, filters, kernel_size, activation="leaky_relu")
    if k:
        discriminator, generator = condition_on_labels(discriminator, generator, image_shape, k)
    return generator, discriminator


@register_family("gan")
class GAN(TrainedModel):
    """Generative adversarial network (Goodfellow et al., 2014), DCGAN-style
    networks by default (Radford et al., 2016).

    One `train_step` runs a discriminator step on a real and a generated
    batch (binary cross-entropy on logits: -log D(x) - log(1 - D(G(z)))),
    then a generator step on a fresh batch of codes with the non-saturating
    loss -log D(G(z)), whose gradient does not vanish while the
    discriminator wins. `fit` shows `d_loss`, `g_loss` and the mean
    probabilities `d_real` and `d_fake` the discriminator gives; `evaluate`
    reports them without updates.

    Args:
        generator: a built `keras.Model` from codes to images in [0, 1].
        discriminator: a built `keras.Model` from images to one logit.
        seed: seed of the codes drawn in training (saved with the model).

    Example:

    ```python
    gan = keras_ae.models.GAN.from_spec((28, 28, 1), latent_dim=100)
    gan.compile(generator_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                discriminator_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
    gan.fit(x_train, epochs=10, batch_size=128)
    images = gan.sample(16, seed=0)
    ```
    """

    # No encoder: `decode` (and a SavedModel's `serving_default`) is the generator.
    has_encoder = False
    has_prior = True
    # Radford et al.'s DCGAN settings: a small step and a short memory.
    default_learning_rate = 2e-4

    def __init__(self, generator, discriminator, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(generator, dict):
            generator = keras.saving.deserialize_keras_object(generator)
        if isinstance(discriminator, dict):
            discriminator = keras.saving.deserialize_keras_object(discriminator)
        self.latent_shape = _input_shape_of(generator, "generator", 1 + self.conditional)
        self.data_shape = _input_shape_of(discriminator, "discriminator", 1 + self.conditional)
        if tuple(generator.output_shape[1:]) != self.data_shape:
            raise ValueError(
                f"The generator must output the discriminator's input shape {self.data_shape}. "
                f"Received: generator output shape {tuple(generator.output_shape[1:])}"
            )
        if tuple(discriminator.output_shape[1:]) != (1,):
            raise ValueError(
                "The discriminator must output one logit per example. Received: discriminator "
                f"output shape {tuple(discriminator.output_shape[1:])}"
            )
        self.generator = generator
        self.discriminator = discriminator
        self.noise = GaussianSampler(seed, name="noise")
        self.trackers = {name: keras.metrics.Mean(name=name) for name in ("d_loss", "g_loss", "d_real", "d_fake")}
        self.generator_optimizer = None
        self.discriminator_optimizer = None
        # The networks are built; a subclassed model counts as built only
        # once told (else its optimizer state is not saved).
        self.built = True

    @classmethod
    def from_spec(cls, image_shape, latent_dim=100, filters=(64, 128), kernel_size=4, seed=None, **kwargs):
        """A DCGAN on `image_shape` (see `dcgan_networks`)."""
        latent_dim = check_positive_int(latent_dim, "latent_dim")
        generator, discriminator = dcgan_networks(image_shape, latent_dim, filters, kernel_size, **kwargs)
        return cls(generator, discriminator, seed=seed)

    # === Public API ===

    def call(self, inputs, training=False):
        return self.generator(inputs, training=training)

    def decode(self, z, batch_size: int = 256) -> np.ndarray:
        """Generated images for a batch of codes."""
        return self.generator.predict(check_batch(z, self.latent_shape, "z"), batch_size=batch_size, verbose=0)

    def sample(self, n: int, seed: int | None = None, batch_size: int = 256) -> np.ndarray:
        """`n` images from codes drawn from N(0, I)."""
        return self.decode(prior_codes(n, self.latent_shape, seed), batch_size=batch_size)

    def decoder_network(self) -> keras.Model:
        return self.generator

    def export_codes(self, x, *labels) -> np.ndarray:
        """Codes drawn from the prior, one per example of `x` (a generator
        has no encoder to give the examples' own)."""
        return prior_codes(len(x), self.latent_shape, seed=0)

    def path_codes(self, a, b, steps: int = 10, method: str = "linear") -> np.ndarray:
        """Codes along the path between codes `a` and `b` (see
        `keras_ae.latent.interpolate_codes`)."""
        a = check_batch(np.asarray(a, "float32")[None], self.latent_shape, "a")[0]
        b = check_batch(np.asarray(b, "float32")[None], self.latent_shape, "b")[0]
        return interpolate_codes(a, b, steps, method)

    def interpolate(self, a, b, steps: int = 10, method: str = "linear") -> np.ndarray:
        """Images along the path between codes `a` and `b`."""
        return self.decode(self.path_codes(a, b, steps, method))

    # === Training ===

    def compile(self, generator_optimizer=None, discriminator_optimizer=None, **kwargs):
        """Configures training with one optimizer per network (Adam 2e-4,
        beta_1 0.5 when not given). There is no `loss`: the objective
        belongs to the model."""
        for name in ("optimizer", "loss"):
            if kwargs.get(name) is not None:
                raise ValueError(
                    f"A GAN takes `generator_optimizer` and `discriminator_optimizer`, not "
                    f"`{name}`. Received: {name}={kwargs[name]!r}"
                )
            kwargs.pop(name, None)
        super().compile(optimizer=None, **kwargs)
        defaults = self.default_optimizers()
        self.generator_optimizer = self.loss_scaled(keras.optimizers.get(generator_optimizer or defaults["generator_optimizer"]))
        self.discriminator_optimizer = self.loss_scaled(
            keras.optimizers.get(discriminator_optimizer or defaults["discriminator_optimizer"])
        )
        # Built now, so that a saved state has variables to load into.
        self.generator_optimizer.build(self.generator.trainable_variables)
        self.discriminator_optimizer.build(self.discriminator.trainable_variables)

    @classmethod
    def default_optimizers(cls, learning_rate: float | None = None) -> dict:
        """One Adam per player, beta_1 0.5 (DCGAN's)."""
        rate = learning_rate or cls.default_learning_rate
        return {name: keras.optimizers.Adam(rate, beta_1=0.5) for name in ("generator_optimizer", "discriminator_optimizer")}

    def get_compile_config(self):
        return {
            "generator_optimizer": keras.saving.serialize_keras_object(self.generator_optimizer),
            "discriminator_optimizer": keras.saving.serialize_keras_object(self.discriminator_optimizer),
        }

    def compile_from_config(self, config):
        self.compile(**{k: keras.saving.deserialize_keras_object(v) for k, v in config.items()})

    def split_batch(self, data):
        """`(images, conditions)` of a batch from `fit`."""
        x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        return x, ()

    def prior_noise(self, x):
        """Codes for the generator, one per image of the batch `x`, drawn
        from N(0, I) with the model's saved seed generator."""
        return keras.random.normal((ops.shape(x)[0], *self.latent_shape), seed=self.noise.seed_generator)

    def _discriminator_loss(self, x, conditions, training):
        """The discriminator's loss and its logits on real and generated images
        (logits in float32, also under a mixed-precision policy)."""
        fake = self.run_network(self.generator, self.prior_noise(x), conditions, training)
        real_logits = ops.cast(self.run_network(self.discriminator, x, conditions, training), "float32")
        fake_logits = ops.cast(self.run_network(self.discriminator, fake, conditions, training), "float32")
        d_loss = ops.mean(ops.binary_crossentropy(ops.ones_like(real_logits), real_logits, from_logits=True)) + ops.mean(
            ops.binary_crossentropy(ops.zeros_like(fake_logits), fake_logits, from_logits=True)
        )
        return d_loss, real_logits, fake_logits

    def _generator_loss(self, x, conditions, training):
        generated = self.run_network(self.generator, self.prior_noise(x), conditions, training)
        logits = ops.cast(self.run_network(self.discriminator, generated, conditions, training), "float32")
        return ops.mean(ops.binary_crossentropy(ops.ones_like(logits), logits, from_logits=True))

    def _apply(self, optimizer, loss, tape, variables):
        gradients = tape.gradient(loss, variables)
        optimizer.apply(gradients, variables)

    def train_step(self, data):
        x, conditions = self.split_batch(data)
        # Replica gradients are summed, so each replica gives its share of
        # the global-batch mean (as in keras_ae.losses).
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        with tf.GradientTape() as tape:
            d_loss, real_logits, fake_logits = self._discriminator_loss(x, conditions, training=True)
            scaled = self.discriminator_optimizer.scale_loss(d_loss / replicas)
        self._apply(self.discriminator_optimizer, scaled, tape, self.discriminator.trainable_variables)
        with tf.GradientTape() as tape:
            g_loss = self._generator_loss(x, conditions, training=True)
            scaled = self.generator_optimizer.scale_loss(g_loss / replicas)
        self._apply(self.generator_optimizer, scaled, tape, self.generator.trainable_variables)
        return self._track(x, d_loss, g_loss, real_logits, fake_logits)

    def test_step(self, data):
        x, conditions = self.split_batch(data)
        d_loss, real_logits, fake_logits = self._discriminator_loss(x, conditions, training=False)
        return self._track(x, d_loss, self._generator_loss(x, conditions, training=False), real_logits, fake_logits)

    def _track(self, x, d_loss, g_loss, real_logits, fake_logits):
        batch = ops.shape(x)[0]
        values = {
            "d_loss": d_loss,
            "g_loss": g_loss,
            "d_real": ops.mean(ops.sigmoid(real_logits)),
            "d_fake": ops.mean(ops.sigmoid(fake_logits)),
        }
        for name, value in values.items():
            self.trackers[name].update_state(value, sample_weight=batch)
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    @property
    def metrics(self):
        return list(self.trackers.values())

    # === Data checks (see `DataChecks`) ===

    @property
    def data_range(self) -> ValueRange | None:
        activation = _output_activation(self.generator)
        if activation not in _GENERATOR_RANGES:
            return None
        return ValueRange(*_GENERATOR_RANGES[activation], f"the generator's {activation} output")

    def check_fit_arrays(self, x, y, names=("x", "y")):
        if isinstance(x, (np.ndarray, list)) or tf.is_tensor(x):
            x = self.check_data(x, names[0])
        return x, y

    def batch_parts(self, data, predicting=False):
        if predicting:
            return {}  # codes, which have no range
        x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        return {"x": x}

    # === Config ===

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "generator": keras.saving.serialize_keras_object(self.generator),
                "discriminator": keras.saving.serialize_keras_object(self.discriminator),
                "seed": self.noise.seed,
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@register_family("cgan")
class ConditionalGAN(ConditionalSampling, GAN):
    """Conditional GAN (Mirza and Osindero, 2014): generator and
    discriminator both see a one-hot label; the generated batch of a step
    carries the real batch's labels. Train with `fit(images, labels)`;
    `generate(labels)` draws images of chosen classes.

    Args:
        generator: a built `keras.Model` taking `[z, one_hot_label]`.
        discriminator: a built `keras.Model` taking `[image, one_hot_label]`.
        seed: as for `GAN`.

    Example:

    ```python
    cgan = keras_ae.models.ConditionalGAN.from_spec((28, 28, 1), latent_dim=100, num_classes=10)
    cgan.compile()
    cgan.fit(x_train, y_train, epochs=10, batch_size=128)
    sevens = cgan.generate([7] * 8, seed=0)
    ```
    """

    conditional = True

    def __init__(self, generator, discriminator, seed=None, **kwargs):
        super().__init__(generator, discriminator, seed=seed, **kwargs)
        self.num_classes = int(self.generator.input_shape[1][-1])

    @classmethod
    def from_spec(cls, image_shape, latent_dim=100, num_classes=10, filters=(64, 128), kernel_size=4, seed=None):
        num_classes = check_positive_int(num_classes, "num_classes")
        return super().from_spec(image_shape, latent_dim, filters, kernel_size, seed, condition_classes=num_classes)

    def call(self, inputs, training=False):
        z, labels = inputs
        return self.generator([z, one_hot(labels, self.num_classes)], training=training)

    def decode(self, z, labels, batch_size: int = 256) -> np.ndarray:
        z = check_batch(z, self.latent_shape, "z")
        labels = check_labels(labels, self.num_classes, len(z))
        return self.predict((z, labels), batch_size=batch_size, verbose=0)

    def interpolate(self, a, b, steps: int = 10, method: str = "linear", label: int = 0) -> np.ndarray:
        """Images of class `label` along the path between codes `a` and `b`."""
        codes = self.path_codes(a, b, steps, method)
        return self.decode(codes, [label] * len(codes))

    def split_batch(self, data):
        x, labels = labelled_batch(data)
        return x, (one_hot(labels, self.num_classes),)

    def check_fit_arrays(self, x, y, names=("x", "y")):
        if isinstance(x, (tuple, list)) and len(x) == 2 and y is None:
            x, y = x
        if isinstance(x, np.ndarray) or tf.is_tensor(x) or isinstance(y, (np.ndarray, list)) or tf.is_tensor(y):
            if y is None:
                raise ValueError(f"The conditional GAN trains on (images, labels). Received: {names[1]}=None")
            x = self.check_data(x, names[0])
            y = check_labels(y, self.num_classes, len(x), name=names[1])
        return x, y

    def check_predict_arrays(self, inputs):
        # `predict` takes codes and labels; the codes have no range.
        if isinstance(inputs, (tuple, list)) and len(inputs) == 2:
            z, labels = inputs
            return z, check_labels(labels, self.num_classes, len(z))
        return inputs

    def batch_parts(self, data, predicting=False):
        x, labels = labelled_batch(data)
        return {"labels": labels} if predicting else {"x": x, "labels": labels}
