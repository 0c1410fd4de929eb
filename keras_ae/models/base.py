"""The base classes of the keras_ae families: `TrainedModel`, what every
model trained on its own objective and exported shares (the autoencoders
and the GANs), and `Autoencoder`, the encoder-decoder one.

A family subclasses one and adds only what makes it different: a penalty
(`penalties`), a corruption of the input (`corrupt`), or its own networks.
"""

from __future__ import annotations

import contextlib
import functools
import re

import keras
import numpy as np
import tensorflow as tf

from keras_ae import losses as ae_losses
from keras_ae import presets
from keras_ae.blocks import ARCHITECTURES
from keras_ae.labels import label_range_message
from keras_ae.latent import interpolate_codes
from keras_ae.validation import ValueRange, check_batch, check_choice, check_value_range

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


# The in-pipeline data checks (`DataChecks.checked_dataset`) put this in
# their assertion, followed by what was checked and the batch's extremes, so
# that `fit` can tell their failure from any other and say it in one line.
_DATA_CHECK = "keras_ae data check"
_DATA_CHECK_FAILURE = re.compile(re.escape(_DATA_CHECK) + r": (\S+) (\S+) (\S+)\] \[([^\]]*)\] \[([^\]]*)\]")


class DataChecks:
    """Refusal of data outside what a model's objective assumes, at every
    entry point: `fit`, `evaluate`, `predict` and the array methods.

    A model declares `data_range` (the Bernoulli losses and a sigmoid
    generator assume [0, 1]); a conditional model has `num_classes`. Arrays
    and tensors are checked in Python before anything runs. A `tf.data`
    set is checked batch by batch as it is read, by a step added to its
    pipeline: inside the train step an assertion would vanish under XLA
    (which drops assert ops, and which Keras turns on by itself on a GPU),
    and the pipeline leaves the step's numerics and random draws untouched.
    A failure there stops `fit` at the first bad batch, before the step on
    it changes a weight, and is raised as the same one-line `ValueError`.
    (TensorFlow may still have run the step's ops that do not read the
    batch, such as the optimizer's iteration count, beside the failed read;
    and the batches before a bad one have been trained on.)
    """

    @property
    def data_range(self) -> ValueRange | None:
        """The values the objective assumes the data hold, or None for any."""
        return None

    def check_data(self, x, name: str = "x", shape=None) -> np.ndarray:
        """A batch of examples (of `shape`, the model's data shape by
        default) as a float32 array: finite and inside `data_range`."""
        x = check_batch(x, self.data_shape if shape is None else shape, name)
        return check_value_range(x, self.data_range, name)

    def check_fit_arrays(self, x, y, names=("x", "y")):
        """`(x, y)` of `fit`/`evaluate` when not a data set, checked."""
        return x, y

    def check_predict_arrays(self, x):
        """`x` of `predict` when not a data set, checked."""
        return x

    def batch_parts(self, data, predicting: bool = False) -> dict:
        """The tensors of a data set's batch to check, by name: "x" and "y"
        against `data_range`, "labels" against `num_classes`. `predicting`:
        the batch is `predict`'s input (a generator's codes, for instance)."""
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        return {"x": x, "y": y}

    def checked_dataset(self, dataset: tf.data.Dataset, source: str, predicting: bool = False) -> tf.data.Dataset:
        """`dataset` with each batch checked as it is read (see the class);
        `source` is the argument that gave it, for the error message."""
        value_range, num_classes = self.data_range, getattr(self, "num_classes", None)
        if value_range is None and num_classes is None:
            return dataset  # nothing to check: the pipeline is left as it is
        single = not isinstance(dataset.element_spec, tuple)

        def check(*element):
            data = element[0] if single else element
            for part, values in self.batch_parts(data, predicting).items():
                if not tf.is_tensor(values):
                    continue
                if part == "labels":
                    low, high = 0, num_classes - 1
                elif value_range is not None:
                    low, high = value_range.low, value_range.high
                else:
                    continue
                # Extremes in the batch's own dtype: no float copy of the batch.
                found_low = tf.cast(tf.reduce_min(values), "float32")
                found_high = tf.cast(tf.reduce_max(values), "float32")
                kind = "labels" if part == "labels" else "values"
                # Kept by the data set function's automatic control
                # dependencies, as every stateful op is.
                tf.debugging.Assert(
                    tf.logical_and(found_low >= low, found_high <= high),
                    [f"{_DATA_CHECK}: {part} {kind} {source}", found_low, found_high],
                )
            return element[0] if single else element

        return dataset.map(check)

    def _checked(self, x, y, names):
        if isinstance(x, tf.data.Dataset):
            return self.checked_dataset(x, names[0]), y
        return self.check_fit_arrays(x, y, names)

    def _checked_validation_data(self, data):
        if isinstance(data, tf.data.Dataset):
            return self.checked_dataset(data, "validation_data")
        if not isinstance(data, (tuple, list)):
            return data
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(tuple(data))
        x, y = self.check_fit_arrays(x, y, ("validation_data[0]", "validation_data[1]"))
        if sample_weight is not None:
            return (x, y, sample_weight)
        return (x,) if y is None else (x, y)

    @contextlib.contextmanager
    def _data_errors(self):
        """Raises a failed in-pipeline check as a one-line `ValueError`."""
        try:
            yield
        except tf.errors.InvalidArgumentError as error:
            failure = _DATA_CHECK_FAILURE.search(str(error))
            if failure is None:
                raise
            part, kind, source, low, high = failure.groups()
            where = f" (a batch of the data set given as `{source}`)"
            if kind == "labels":
                bad = float(low) if float(low) < 0 else float(high)
                message = label_range_message(part, self.num_classes, bad, where)
            else:
                message = self.data_range.message(part, float(low), float(high), where)
            raise ValueError(message) from None

    def fit(self, x=None, y=None, *args, validation_data=None, **kwargs):
        if isinstance(x, tf.data.Dataset):
            # A dataset shuffles itself; Keras's default shuffle=True only
            # produces a warning for it.
            kwargs.setdefault("shuffle", False)
        # Arrays are checked here, before the first step; a data set as it is read.
        x, y = self._checked(x, y, ("x", "y"))
        if validation_data is not None:
            validation_data = self._checked_validation_data(validation_data)
        with self._data_errors():
            return super().fit(x, y, *args, validation_data=validation_data, **kwargs)

    def evaluate(self, x=None, y=None, *args, **kwargs):
        # `fit` evaluates its validation data with this flag, checked already.
        if not kwargs.get("_use_cached_eval_dataset"):
            x, y = self._checked(x, y, ("x", "y"))
        with self._data_errors():
            return super().evaluate(x, y, *args, **kwargs)

    def predict(self, x, *args, **kwargs):
        if isinstance(x, tf.data.Dataset):
            x = self.checked_dataset(x, "x", predicting=True)
        else:
            x = self.check_predict_arrays(x)
        with self._data_errors():
            return super().predict(x, *args, **kwargs)


class TrainedModel(DataChecks, keras.Model):
    """What every keras_ae model shares, autoencoder or GAN: the data and
    code shapes (`data_shape`, `latent_shape`, set by the subclass), the
    data checks of `DataChecks`, presets, and what training and export ask
    of a model instead of guessing from its attributes.

    A family declares `conditional` (its networks take a label beside the
    data or code), `has_encoder`, `has_prior` (it samples), `export_parts`,
    and its default optimizers (`default_optimizers`).
    """

    family = "model"
    # Networks taking a one-hot label beside the data or code (cvae, cgan):
    # such a model trains on (examples, labels) and has `num_classes`.
    conditional = False
    # An encoder from data to codes (a GAN has none: its `decode` is its generator).
    has_encoder = True
    # `sample(n, seed)` draws from the model's prior.
    has_prior = False
    # The parts `keras_ae.export` can write: a family whose decoder needs
    # more than a code exports whole only.
    export_parts: tuple[str, ...] = ("full", "encoder", "decoder")
    # The "full" network the exporters trace, when it is not the decoder
    # applied to the encoder's code (the masked autoencoder's decoder reads
    # patch tokens too); None: they compose the two.
    full_network = None
    # Adam's step when a run does not name one.
    default_learning_rate = 1e-3
    # True for families whose examples are sequences (timesteps, features):
    # `keras_ae.training.train` gives them each image's rows as time steps
    # (28 steps of 28 pixels for MNIST), as their tests read the digits.
    sequence_data = False

    @property
    def latent_dim(self) -> int:
        return int(np.prod(self.latent_shape))

    @classmethod
    def from_preset(cls, preset):
        """A pretrained model of this class: a built-in preset name, a
        preset folder, a base URL, or a hub handle (`hf://OWNER/REPO[@REVISION]`,
        `kaggle://...`; see `keras_ae.presets` and `keras_ae.hub`)."""
        return presets.from_preset(preset, expected_class=cls)

    @classmethod
    def default_optimizers(cls, learning_rate: float | None = None) -> dict:
        """The keyword arguments of `compile` a run trains the family with:
        Adam at `learning_rate` (the family's `default_learning_rate` if None)."""
        return {"optimizer": keras.optimizers.Adam(learning_rate or cls.default_learning_rate)}

    def loss_scaled(self, optimizer):
        """`optimizer`, wrapped for loss scaling under mixed_float16. Keras
        wraps a model's one `optimizer` itself; a family with more (a GAN's
        players, a FactorVAE's discriminator) wraps them here alike, so that
        small float16 gradients do not underflow to zero."""
        if self.dtype_policy.name == "mixed_float16" and not isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            return keras.optimizers.LossScaleOptimizer(optimizer)
        return optimizer

    @staticmethod
    def run_network(network, first, conditions, training=False):
        """`network` on `first` (examples or codes) and the `conditions` a
        conditional model's networks also take."""
        return network([first, *conditions] if conditions else first, training=training)

    def decoder_network(self) -> keras.Model:
        """The network from codes to examples (a GAN's generator)."""
        return self.decoder

    def export_codes(self, x, *labels) -> np.ndarray:
        """The codes an exported decoder takes for examples `x` (the int8
        converter calibrates on these)."""
        return self.latent_codes(x, *labels)

    def for_export(self):
        """The model the exporters trace: this one, or an equivalent copy
        built for deployment (the recurrent family unrolls its loops)."""
        return self


@keras.saving.register_keras_serializable(package="keras_ae")
class Autoencoder(TrainedModel):
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
        data_shape = _input_shape_of(encoder, "encoder", 1 + self.conditional)
        code_shape = _input_shape_of(decoder, "decoder", 1 + self.conditional)
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

    def call(self, inputs, training=False):
        return self.decoder(self.encoder(inputs, training=training), training=training)

    def encode(self, x, batch_size: int = 256) -> np.ndarray:
        """Codes of a batch of examples, as a NumPy array."""
        return self.encoder.predict(self.check_data(x, "x"), batch_size=batch_size, verbose=0)

    def decode(self, z, batch_size: int = 256) -> np.ndarray:
        """Decoded examples for a batch of codes, as a NumPy array."""
        z = check_batch(z, self.latent_shape, "z")
        return self.decoder.predict(z, batch_size=batch_size, verbose=0)

    def reconstruct(self, x, batch_size: int = 256) -> np.ndarray:
        """Reconstructions of a batch of examples (no training-time corruption)."""
        # Checked here, so Keras's own `predict` (not ours, which would
        # check the batch a second time).
        return keras.Model.predict(self, self.check_data(x, "x"), batch_size=batch_size, verbose=0)

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
        pair = [self.check_data(np.asarray(v, dtype="float32")[None], name)[0] for v, name in ((a, "a"), (b, "b"))]
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

    # === Data checks (see `DataChecks`) ===

    @property
    def data_range(self) -> ValueRange | None:
        if self.reconstruction_loss == "bce":
            return ValueRange(0.0, 1.0, "the Bernoulli loss (reconstruction_loss='bce')")
        return None

    def _check_array(self, x, name):
        if isinstance(x, (np.ndarray, list)) or tf.is_tensor(x):
            return self.check_data(x, name)
        return x

    def check_fit_arrays(self, x, y, names=("x", "y")):
        return self._check_array(x, names[0]), self._check_array(y, names[1])

    def check_predict_arrays(self, x):
        return self._check_array(x, "x")

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
