"""The `Autoencoder` base class: what every keras_ae family shares.

A family subclasses it and adds only what makes it different: a penalty
(`penalties`), a corruption of the input (`corrupt`), or its own networks.
"""

from __future__ import annotations

import functools

import keras
import numpy as np
import tensorflow as tf

from keras_ae import losses as ae_losses
from keras_ae.blocks import ARCHITECTURES
from keras_ae.latent import interpolate_codes
from keras_ae.validation import check_batch, check_choice

# Family name -> class. Filled by `register_family`, so adding a family never
# edits a central map.
FAMILIES: dict[str, type] = {}


def register_family(name: str):
    """Class decorator: registers a family under `name` for the CLI and with
    Keras's serialization registry (so `.keras` files load without
    `custom_objects`)."""

    def decorate(cls):
        cls = keras.saving.register_keras_serializable(package="keras_ae")(cls)
        cls.family = name
        FAMILIES[name] = cls
        return cls

    return decorate


def get_family(name: str) -> type:
    check_choice(name, sorted(FAMILIES), "family")
    return FAMILIES[name]


def _input_shape_of(model: keras.Model, name: str, inputs: int = 1) -> tuple:
    """The shape of one example of the model's first input."""
    try:
        shapes = model.input_shape if isinstance(model, keras.Model) else None
    except (AttributeError, ValueError):  # a subclassed model never called
        shapes = None
    if isinstance(shapes, tuple) and shapes and not isinstance(shapes[0], tuple):
        shapes = [shapes]
    if not isinstance(shapes, list) or len(shapes) != inputs or not all(isinstance(s, tuple) for s in shapes):
        raise ValueError(
            f"`{name}` must be a built `keras.Model` with {inputs} input(s) (for example a "
            f"functional model from `keras_ae.blocks`). Received: {name}={model!r}"
        )
    return tuple(shapes[0][1:])


def _build_when_constructed(init):
    """Wraps a constructor so the model is built once the outermost
    constructor returns, after a family has added its own sub-layers.

    The networks are built when they are made, but Keras counts a subclassed
    model as built only after `build`: without it the optimizer state is not
    saved and export refuses the model. Building inside the base constructor
    instead would lock the model before a family adds its layers.
    """

    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)
        if type(self).__init__ is __init__:
            self.build((None, *self.data_shape))

    return __init__


@keras.saving.register_keras_serializable(package="keras_ae")
class Autoencoder(keras.Model):
    """An autoencoder made of a standalone encoder and decoder.

    `call(x)` is the reconstruction. Training goes through `fit` with the
    objective the model owns: the reconstruction loss (see `keras_ae.losses`
    for the conventions) plus whatever penalties a family adds; each term is
    a tracked metric, so `fit` shows it and `evaluate` returns it. Compile
    with an optimizer only.

    Args:
        encoder: a built `keras.Model` mapping a batch to codes.
        decoder: a built `keras.Model` mapping codes back to the input shape.
        reconstruction_loss: `"mse"` (summed squared error) or `"bce"`
            (summed Bernoulli negative log-likelihood, for a sigmoid output).

    Example:

    ```python
    encoder, decoder = keras_ae.blocks.conv_networks((28, 28, 1), latent_dim=16)
    model = keras_ae.models.Autoencoder(encoder, decoder)
    model.compile(optimizer="adam")
    model.fit(x_train, epochs=5)
    codes = model.encode(x_test)
    ```
    """

    family = "autoencoder"
    # The architecture `from_spec` builds when a caller does not name one.
    default_architecture = "conv"
    # Names of the penalty terms a family adds, in the order they are shown.
    penalty_names: tuple[str, ...] = ()
    # Quantities a family tracks beside the loss without adding them to it
    # (for example the raw KL divergence under a weighted objective).
    monitor_names: tuple[str, ...] = ()
    # What the encoder outputs: one code here; a distribution's parameters
    # in the probabilistic families.
    encoder_outputs: tuple[str, ...] = ("code",)
    # Inputs each network takes: the data (encoder) or code (decoder), then
    # any condition both see (the conditional families' labels).
    network_inputs = 1
    # True for families whose constructor builds its own networks from
    # `input_shape` and `latent_dim` (they store those arguments in
    # `architecture_args`) rather than taking an encoder and a decoder.
    owns_networks = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            cls.__init__ = _build_when_constructed(cls.__dict__["__init__"])

    @_build_when_constructed
    def __init__(self, encoder, decoder, reconstruction_loss="mse", **kwargs):
        super().__init__(**kwargs)
        if isinstance(encoder, dict):
            encoder = keras.saving.deserialize_keras_object(encoder)
        if isinstance(decoder, dict):
            decoder = keras.saving.deserialize_keras_object(decoder)
        data_shape, code_shape = self.check_networks(encoder, decoder)
        self.encoder = encoder
        self.decoder = decoder
        self.reconstruction_loss = reconstruction_loss
        self._reconstruction_fn = ae_losses.get_reconstruction_loss(reconstruction_loss)
        self.data_shape = data_shape
        self.latent_shape = code_shape
        self.trackers = {
            name: keras.metrics.Mean(name=name)
            for name in ("loss", *self.loss_terms(), *self.monitor_names)
        }

    def check_networks(self, encoder, decoder) -> tuple[tuple, tuple]:
        """Checks that `decoder` takes what `encoder` gives and returns the
        encoder's input shape; gives `(data_shape, code_shape)`."""
        data_shape = _input_shape_of(encoder, "encoder", self.network_inputs)
        code_shape = _input_shape_of(decoder, "decoder", self.network_inputs)
        outputs = encoder.output_shape
        outputs = [outputs] if isinstance(outputs, tuple) else list(outputs)
        if len(outputs) != len(self.encoder_outputs):
            raise ValueError(
                f"The {self.family!r} family needs an encoder with {len(self.encoder_outputs)} "
                f"output(s) ({', '.join(self.encoder_outputs)}). Received: an encoder with "
                f"{len(outputs)} output(s)"
            )
        for encoded in outputs:
            if tuple(encoded[1:]) != code_shape:
                raise ValueError(
                    f"The decoder must take the encoder's output. Received: encoder output "
                    f"shape {tuple(encoded[1:])}, decoder input shape {code_shape}"
                )
        if tuple(decoder.output_shape[1:]) != data_shape:
            raise ValueError(
                f"The decoder must output the encoder's input shape {data_shape}. "
                f"Received: decoder output shape {tuple(decoder.output_shape[1:])}"
            )
        return data_shape, code_shape

    def build(self, input_shape):
        # Every variable exists already (see `_build_when_constructed`);
        # recording the shape lets `.keras` loading rebuild the same way.
        self.built = True

    # === Public API ===

    @property
    def latent_dim(self) -> int:
        return int(np.prod(self.latent_shape))

    def call(self, inputs, training=False):
        return self.decoder(self.encoder(inputs, training=training), training=training)

    def encode(self, x, batch_size: int = 256) -> np.ndarray:
        """Codes of a batch of examples, as a NumPy array."""
        x = check_batch(x, self.data_shape, "x")
        return self.encoder.predict(x, batch_size=batch_size, verbose=0)

    def decode(self, z, batch_size: int = 256) -> np.ndarray:
        """Decoded examples for a batch of codes, as a NumPy array."""
        z = check_batch(z, self.latent_shape, "z")
        return self.decoder.predict(z, batch_size=batch_size, verbose=0)

    def reconstruct(self, x, batch_size: int = 256) -> np.ndarray:
        """Reconstructions of a batch of examples (no training-time corruption)."""
        x = check_batch(x, self.data_shape, "x")
        return self.predict(x, batch_size=batch_size, verbose=0)

    def latent_codes(self, x, batch_size: int = 256) -> np.ndarray:
        """One code per example (a variational family gives its mean)."""
        return self.encode(x, batch_size=batch_size)

    def interpolate(self, a, b, steps: int = 10, method: str = "linear") -> np.ndarray:
        """Decodes `steps` codes on the way from example `a`'s code to `b`'s.

        Args:
            a, b: two examples of the model's data shape.
            steps: codes on the path, both ends included (>= 2).
            method: `"linear"` or `"slerp"` (see `keras_ae.latent.interpolate_codes`).
        """
        pair = [check_batch(np.asarray(v, dtype="float32")[None], self.data_shape, name)[0] for v, name in ((a, "a"), (b, "b"))]
        start, end = self.latent_codes(np.stack(pair))
        return self.decode(interpolate_codes(start, end, steps, method))

    @classmethod
    def from_spec(cls, input_shape, latent_dim, architecture=None, architecture_options=None, **options):
        """Builds the family on a named architecture from `keras_ae.blocks`.

        Args:
            input_shape: shape of one example.
            latent_dim: size of the code.
            architecture: a key of `keras_ae.blocks.ARCHITECTURES`
                (defaults to the family's `default_architecture`).
            architecture_options: keyword arguments of that builder.
            **options: the family's own arguments.
        """
        architecture = check_choice(architecture or cls.default_architecture, ARCHITECTURES, "architecture")
        network_args = {**cls.architecture_defaults(architecture, options), **(architecture_options or {})}
        if cls.owns_networks:
            if architecture != cls.default_architecture:
                raise ValueError(
                    f"The {cls.family!r} family is built on the {cls.default_architecture!r} "
                    f"architecture only. Received: architecture={architecture!r}"
                )
            return cls(input_shape, latent_dim, **network_args, **options)
        encoder, decoder = cls.build_networks(architecture, input_shape, latent_dim, **network_args)
        return cls(encoder, decoder, **options)

    @classmethod
    def from_preset(cls, preset):
        """A pretrained model of this class: a built-in preset name, a
        preset folder or a base URL (see `keras_ae.zoo`)."""
        from keras_ae import zoo

        return zoo.from_preset(preset, expected_class=cls)

    @classmethod
    def build_networks(cls, architecture, input_shape, latent_dim, **network_args):
        """The encoder and decoder `from_spec` gives the family (a family
        whose encoder outputs a distribution adds its head here)."""
        return ARCHITECTURES[architecture](input_shape, latent_dim, **network_args)

    @classmethod
    def architecture_defaults(cls, architecture: str, options: dict) -> dict:
        """Builder arguments the family needs on `architecture` given its
        own `options` (for example a sigmoid code for a KL penalty)."""
        return {}

    # === Objective ===

    def compile(self, optimizer="adam", loss=None, **kwargs):
        """Configures training. The objective belongs to the model, so pass an
        optimizer (and optionally `metrics`), not a `loss`."""
        if loss is not None:
            raise ValueError(
                f"{type(self).__name__} owns its objective; choose it with its "
                f"constructor (e.g. `reconstruction_loss=`), not `compile(loss=...)`. "
                f"Received: loss={loss!r}"
            )
        super().compile(optimizer=optimizer, **kwargs)

    def compile_from_config(self, config):
        # Keras skips restoring the compile state of a model whose compile()
        # is overridden; ours only refuses `loss`, so restore it here, and
        # build the optimizer so its saved state can be loaded into it.
        self.compile(**keras.saving.deserialize_keras_object(config))
        if self.built:
            self.optimizer.build(self.trainable_variables)

    def corrupt(self, x, training):
        """The encoder's input for a clean batch `x` (identity here)."""
        return x

    def penalties(self, x, code, training) -> dict:
        """The family's penalty terms for a batch, each a scalar already
        multiplied by its weight, keyed by the names in `penalty_names`."""
        return {}

    @classmethod
    def loss_terms(cls) -> tuple[str, ...]:
        """Names of the terms whose sum is the loss."""
        return ("reconstruction_loss", *cls.penalty_names)

    def compute_terms(self, x, target, sample_weight=None, training=False):
        """Runs the model once and returns `(reconstruction, terms)`.

        `terms` maps each tracked name except "loss" to a batch-mean scalar;
        the loss is the sum of those named by `loss_terms()`.
        """
        code = self.encoder(self.corrupt(x, training), training=training)
        reconstruction = self.training_reconstruction(code, target, training)
        per_example = self.reconstruction_error(target, reconstruction)
        terms = {"reconstruction_loss": ae_losses.batch_mean(per_example, sample_weight)}
        terms.update(self.penalties(x, code, training))
        return reconstruction, terms

    def training_reconstruction(self, code, target, training):
        """The reconstruction the loss compares with `target` (a
        teacher-forced decoder reads the target here)."""
        return self.decoder(code, training=training)

    def reconstruction_error(self, target, reconstruction):
        """Per-example reconstruction loss (a family that pads its inputs
        leaves the padding out here)."""
        return self._reconstruction_fn(target, reconstruction)

    def for_export(self):
        """The model the exporters trace: this one, or an equivalent copy
        built for deployment (the recurrent family unrolls its loops)."""
        return self

    def unpack_batch(self, data):
        """`(inputs, target, sample_weight)` of a batch from `fit`: the
        target is the input itself unless the batch carries a `y`."""
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        return x, (x if y is None else y), sample_weight

    def _step(self, data, training):
        x, target, sample_weight = self.unpack_batch(data)
        if training:
            with tf.GradientTape() as tape:
                reconstruction, terms = self.compute_terms(x, target, sample_weight, training=True)
                loss = tf.add_n([terms[name] for name in self.loss_terms()])
                # Replica gradients are summed, so each replica contributes
                # its share of the global-batch mean (see keras_ae.losses).
                replicas = tf.distribute.get_strategy().num_replicas_in_sync
                scaled = self.optimizer.scale_loss(loss / replicas)
            variables = self.trainable_variables
            gradients = tape.gradient(scaled, variables)
            self.optimizer.apply(gradients, variables)
        else:
            reconstruction, terms = self.compute_terms(x, target, sample_weight, training=False)
            loss = tf.add_n([terms[name] for name in self.loss_terms()])
        batch = tf.shape(target)[0]
        self.trackers["loss"].update_state(loss, sample_weight=batch)
        for name, value in terms.items():
            self.trackers[name].update_state(value, sample_weight=batch)
        return self.compute_metrics(x, target, reconstruction, sample_weight)

    def train_step(self, data):
        return self._step(data, training=True)

    def test_step(self, data):
        return self._step(data, training=False)

    @property
    def metrics(self):
        # Our terms replace Keras's single "loss" tracker; metrics given to
        # compile() follow them.
        own = list(self.trackers.values())
        return own + [m for m in super().metrics if m.name not in self.trackers]

    # === Data checks on the array entry points ===

    def _check_array(self, x, name):
        if isinstance(x, (np.ndarray, list)):
            return check_batch(x, self.data_shape, name)
        return x

    def check_fit_arrays(self, x, y):
        """`(x, y)` of `fit`/`evaluate`, arrays checked against the model."""
        return self._check_array(x, "x"), self._check_array(y, "y")

    def fit(self, x=None, y=None, *args, **kwargs):
        if isinstance(x, tf.data.Dataset):
            # A dataset shuffles itself; Keras's default shuffle=True only
            # produces a warning for it.
            kwargs.setdefault("shuffle", False)
        return super().fit(*self.check_fit_arrays(x, y), *args, **kwargs)

    def evaluate(self, x=None, y=None, *args, **kwargs):
        return super().evaluate(*self.check_fit_arrays(x, y), *args, **kwargs)

    # === Config ===

    def get_config(self):
        config = super().get_config()
        config.update(self.network_config())
        config["reconstruction_loss"] = self.reconstruction_loss
        return config

    def network_config(self) -> dict:
        """The arguments that rebuild the networks: the family's own network
        arguments if it builds them, else the serialized networks."""
        if self.owns_networks:
            return dict(self.architecture_args)
        return {
            "encoder": keras.saving.serialize_keras_object(self.encoder),
            "decoder": keras.saving.serialize_keras_object(self.decoder),
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)
