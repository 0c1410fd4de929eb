"""A scikit-learn transformer around a keras_ae encoder: codes as features in
a `Pipeline`, from a pretrained model, a preset, a `.keras` file or a family."""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Sequence

import keras
import numpy as np

try:
    from sklearn.base import BaseEstimator, TransformerMixin
    from sklearn.utils.validation import check_is_fitted
except ImportError as error:  # scikit-learn is an optional dependency
    raise ImportError(
        "keras_ae.wrappers needs scikit-learn: pip install scikit-learn (or keras-ae[test]). "
        f"Received: {error}"
    ) from None

from keras_ae.validation import check_batch, check_positive_int, check_shape


class SKLearnAutoencoder(TransformerMixin, BaseEstimator):
    """A trained encoder as a scikit-learn transformer.

    `transform` gives one code per example (the posterior mean for the
    variational families), `inverse_transform` decodes codes back to
    examples, laid out as `fit` saw them. Rows may be flat (`(n, 784)`, as
    `fetch_openml("mnist_784")` gives them) or examples of the model's shape
    (`(n, 28, 28, 1)`, or `(n, 28, 28)` for one channel): they are reshaped
    to the model's input shape, and anything else is refused.

    `fit` on a pretrained `model` only checks the data against it; it trains
    (a copy: the object passed in is never changed) when `refit=True`. With
    `model=None`, `fit` trains a new model of `family` on `X`.

    Values reach the model as given, except uint8 arrays, which are divided
    by 255 (the zoo's image models take pixels in [0, 1]): pass float pixels
    already scaled, or set `rescale`.

    Args:
        model: a keras_ae model, a preset (built-in name, folder or URL) or
            a `.keras` file; None trains one from `family`.
        family: the family `fit` trains when `model` is None (a name from
            `keras_ae.FAMILIES`; not a conditional or adversarial one).
        latent_dim: code size of the model `fit` trains.
        architecture: `"dense"` or `"conv"` (the family's default if None).
        options: the family's or the architecture's keyword arguments, as
            in `keras_ae.models.build.build_family`.
        input_shape: shape of one example of the model `fit` trains; None
            takes `X`'s own (flat rows train a vector model).
        refit: train a pretrained `model` further on `X` in `fit`.
        epochs, batch_size, learning_rate: training with Adam; `batch_size`
            also batches `transform` and `inverse_transform`.
        seed: seeds the weights and the shuffling of a training `fit`.
        rescale: factor applied to `X` before the model sees it (and undone
            by `inverse_transform`); None divides uint8 input by 255 only.
        verbose: Keras's `fit` verbosity.

    Attributes:
        model_: the model `transform` runs.
        n_features_in_: values per example (784 for MNIST, whatever the layout).
        history_: the Keras training history, when `fit` trained.
        scale_: the factor `fit` applied to `X` (1/255 for uint8 input).
        flat_input_: whether `fit` saw flat rows (`inverse_transform` then
            returns flat rows too).

    Example:

    ```python
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    probe = make_pipeline(SKLearnAutoencoder("conv_fashion_mnist"), LogisticRegression())
    probe.fit(x_labelled, y_labelled)        # the encoder is not retrained
    probe.score(x_test, y_test)

    ae = SKLearnAutoencoder(family="dense", latent_dim=8, epochs=5).fit(x_flat)
    codes = ae.transform(x_flat)             # (n, 8)
    ```
    """

    def __init__(
        self,
        model=None,
        family: str | None = None,
        latent_dim: int = 32,
        architecture: str | None = None,
        options: dict | None = None,
        input_shape: Sequence[int] | None = None,
        refit: bool = False,
        epochs: int = 10,
        batch_size: int = 128,
        learning_rate: float = 1e-3,
        seed: int = 0,
        rescale: float | None = None,
        verbose: int = 0,
    ):
        # scikit-learn's rule: the constructor stores its arguments as given
        # (clone and set_params depend on it); `fit` checks them.
        self.model = model
        self.family = family
        self.latent_dim = latent_dim
        self.architecture = architecture
        self.options = options
        self.input_shape = input_shape
        self.refit = refit
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.seed = seed
        self.rescale = rescale
        self.verbose = verbose

    # === scikit-learn API ===

    def fit(self, X, y=None):
        """Loads (and with `refit`, trains) the model, or trains a new one
        of `family`; `y` is ignored."""
        array, names = _as_array(X)
        if hasattr(self, "history_"):
            del self.history_  # a fit that trains nothing has no history
        if self.model is None:
            model = self._train_new(array)
        else:
            model = _load(self.model)
            _check_encoder(model)
            if self.refit:
                model = self._train(_copy(model), self._to_model(array, model, "X"))
            else:
                self._to_model(array, model, "X")  # refused now, not at transform
        self.model_ = model
        self.scale_ = self._factor(array.dtype)
        self.n_features_in_ = math.prod(model.data_shape)
        self.flat_input_ = array.ndim == 2 and len(model.data_shape) > 1
        if names is not None:
            self.feature_names_in_ = names
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        return self

    def transform(self, X) -> np.ndarray:
        """One code per row of `X`: `(n, latent_dim)`, the mean for a
        variational model."""
        check_is_fitted(self, "model_")
        x = self._to_model(_as_array(X)[0], self.model_, "X")
        codes = self.model_.latent_codes(x, batch_size=self._batch_size())
        return np.asarray(codes).reshape(len(x), -1)

    def inverse_transform(self, X) -> np.ndarray:
        """Decodes codes `(n, latent_dim)` back to examples, flat if `fit`
        saw flat rows, and on `X`'s scale (`rescale` undone)."""
        check_is_fitted(self, "model_")
        codes, _ = _as_array(X)
        latent_dim = self.model_.latent_dim
        if codes.ndim != 2 or codes.shape[1] != latent_dim:
            raise ValueError(
                f"`X` of `inverse_transform` must be codes of shape (n, {latent_dim}). "
                f"Received: X with shape {codes.shape}"
            )
        codes = check_batch(codes.reshape(len(codes), *self.model_.latent_shape), self.model_.latent_shape, "X")
        decoded = self.model_.decode(codes, batch_size=self._batch_size())
        if self.scale_ != 1.0:
            decoded = decoded / self.scale_
        return decoded.reshape(len(decoded), -1) if self.flat_input_ else decoded

    def score(self, X, y=None) -> float:
        """Minus the mean squared reconstruction error per example (summed
        over its values, on the model's scale): higher is better, so
        `GridSearchCV` can pick `latent_dim` without labels."""
        check_is_fitted(self, "model_")
        x = self._to_model(_as_array(X)[0], self.model_, "X")
        reconstruction = self.model_.reconstruct(x, batch_size=self._batch_size())
        return -float(np.mean(np.sum((x - reconstruction).reshape(len(x), -1) ** 2, axis=1)))

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """`code0`, `code1`, ...: one name per code unit (`input_features`,
        if given, must match the features seen by `fit`)."""
        check_is_fitted(self, "model_")
        if input_features is not None:
            input_features = np.asarray(input_features, dtype=object)
            if len(input_features) != self.n_features_in_:
                raise ValueError(
                    f"`input_features` must name the {self.n_features_in_} features seen by fit. "
                    f"Received: input_features with {len(input_features)} names"
                )
            seen = getattr(self, "feature_names_in_", None)
            if seen is not None and not np.array_equal(input_features, seen):
                raise ValueError(
                    "`input_features` must equal the feature names seen by fit "
                    f"(`feature_names_in_`). Received: input_features={list(input_features)[:5]}..."
                )
        return np.asarray([f"code{i}" for i in range(self.model_.latent_dim)], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Training draws weights and batches; a fit from the same seed
        # matches up to TensorFlow's op-level nondeterminism.
        tags.non_deterministic = self.model is None or bool(self.refit)
        tags.input_tags.allow_nan = False
        tags.transformer_tags.preserves_dtype = ["float32"]  # the model's dtype
        return tags

    # === Data ===

    def _factor(self, dtype) -> float:
        if self.rescale is not None:
            if isinstance(self.rescale, bool) or not isinstance(self.rescale, numbers.Real) or not (
                math.isfinite(self.rescale) and self.rescale > 0
            ):
                raise ValueError(f"`rescale` must be a finite number > 0 or None. Received: rescale={self.rescale!r}")
            return float(self.rescale)
        return 1.0 / 255.0 if dtype == np.uint8 else 1.0

    def _to_model(self, array: np.ndarray, model, name: str) -> np.ndarray:
        """`array` scaled and reshaped to a batch of the model's examples."""
        shape = tuple(model.data_shape)
        features = math.prod(shape)
        factor = self._factor(array.dtype)
        if array.ndim == 2 and len(shape) > 1 and array.shape[1] == features:
            array = array.reshape(len(array), *shape)
        elif array.shape[1:] == shape[:-1] and shape[-1] == 1:
            array = array[..., None]  # one channel, its axis left out
        if array.shape[1:] != shape:
            # scikit-learn's own wording first, so tools that match it see it.
            raise ValueError(
                f"{name} has {math.prod(array.shape[1:])} features, but {type(self).__name__} is expecting "
                f"{features} features as input: examples of shape {shape} or flat rows of {features} "
                f"values, as the model takes. Received: {name} with shape {array.shape}"
            )
        x = check_batch(array, shape, name)
        return x * factor if factor != 1.0 else x

    def _batch_size(self) -> int:
        return check_positive_int(self.batch_size, "batch_size")

    # === Training ===

    def _train_new(self, array: np.ndarray):
        from keras_ae.models import get_family
        from keras_ae.models.build import build_family, resolve_options

        if self.family is None:
            raise ValueError(
                "Pass `model` (a keras_ae model, a preset or a .keras file) or a `family` to train. "
                "Received: model=None, family=None"
            )
        family_cls = get_family(self.family)
        if not family_cls.has_encoder or family_cls.conditional:
            raise ValueError(
                f"The {self.family!r} family cannot be a transformer here: it has no encoder or needs "
                f"labels beside the data. Received: family={self.family!r}"
            )
        architecture, _, _ = resolve_options(self.family, self.architecture, self.options)
        if self.input_shape is not None:
            example = check_shape(self.input_shape, "input_shape")
            if array.ndim == 2 and array.shape[1] == math.prod(example):
                array = array.reshape(len(array), *example)
        else:
            example = array.shape[1:]
        if architecture == "conv" and len(example) not in (2, 3):
            raise ValueError(
                f"The {architecture!r} architecture takes images (n, height, width, channels): pass "
                f"them so, or flat rows with `input_shape`, e.g. input_shape=(28, 28, 1). "
                f"Received: X with shape {array.shape}, input_shape={self.input_shape!r}"
            )
        check_positive_int(self.latent_dim, "latent_dim")
        keras.utils.set_random_seed(self.seed)
        model = build_family(self.family, example, self.latent_dim, self.options, architecture)
        return self._train(model, self._to_model(array, model, "X"))

    def _train(self, model, x: np.ndarray):
        epochs = check_positive_int(self.epochs, "epochs")
        keras.utils.set_random_seed(self.seed)
        model.compile(optimizer=keras.optimizers.Adam(self.learning_rate))
        self.history_ = model.fit(x, epochs=epochs, batch_size=self._batch_size(), shuffle=True, verbose=self.verbose).history
        return model


# === Helpers ===


def _as_array(X) -> tuple[np.ndarray, np.ndarray | None]:
    """`X` as a NumPy array of at least one row and one feature (uint8 kept,
    anything else as float32) and its column names when it is a data frame
    with string column names."""
    names = None
    columns = getattr(X, "columns", None)
    if columns is not None and all(isinstance(c, str) for c in columns):
        names = np.asarray(list(columns), dtype=object)
    if hasattr(X, "toarray") or hasattr(X, "tocsr"):
        raise ValueError(
            f"`X` must be a dense array; the encoder takes no sparse matrices. Received: X of type {type(X).__name__}"
        )
    array = np.asarray(X)
    if np.iscomplexobj(array):
        raise ValueError(f"Complex data not supported: codes are real. Received: X of dtype {array.dtype}")
    if array.dtype != np.uint8:
        try:
            array = array.astype("float32")
        except (TypeError, ValueError) as error:
            # The same exception type NumPy raised: callers may rely on it.
            raise type(error)(f"`X` must be numeric ({error}). Received: X of dtype {array.dtype}") from None
    if array.ndim < 2:
        raise ValueError(
            "`X` must be a batch of examples, one per row. Reshape your data: X.reshape(1, -1) for one "
            f"example. Received: X with shape {array.shape}"
        )
    if len(array) == 0 or math.prod(array.shape[1:]) == 0:
        raise ValueError(
            f"Found array with {len(array)} sample(s) and {math.prod(array.shape[1:])} feature(s) "
            f"(shape={array.shape}) while a minimum of 1 is required. Received: X with shape {array.shape}"
        )
    return array, names


def _load(model):
    """A keras_ae model from what `model=` may hold."""
    if isinstance(model, (str, os.PathLike)):
        from keras_ae.outputs import load_saved_model

        return load_saved_model(model)
    if isinstance(model, keras.Model):
        return model
    raise ValueError(
        "`model` must be a keras_ae model, a preset name, folder or URL, or a .keras file. "
        f"Received: model of type {type(model).__name__}"
    )


def _check_encoder(model) -> None:
    if not hasattr(model, "latent_codes") or not hasattr(model, "data_shape"):
        raise ValueError(
            "`model` must be a keras_ae autoencoder with an encoder (a GAN has none). "
            f"Received: model of class {type(model).__name__}"
        )
    if model.conditional:
        raise ValueError(
            f"`model` takes labels beside the data ({type(model).__name__}); a transformer sees the "
            f"data only. Received: model of class {type(model).__name__}"
        )


def _copy(model):
    """The same model and weights in new variables (refit leaves the
    caller's model as it was)."""
    copy = type(model).from_config(model.get_config())
    copy.set_weights(model.get_weights())
    return copy
