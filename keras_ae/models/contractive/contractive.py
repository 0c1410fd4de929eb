"""The contractive autoencoder: the squared Frobenius norm of the encoder's
Jacobian dh/dx is penalised, so the code is insensitive to small changes of
the input (Rifai et al., 2011)."""

from __future__ import annotations

import tensorflow as tf
from keras import layers, ops

from keras_ae import losses as ae_losses
from keras_ae.models.base import Autoencoder, register_family
from keras_ae.validation import check_non_negative


def _derivative_from_output(name: str):
    """f'(a) written in terms of h = f(a), for the activations where it can be."""
    return {
        "sigmoid": lambda h: h * (1.0 - h),
        "tanh": lambda h: 1.0 - ops.square(h),
        "linear": lambda h: ops.ones_like(h),
        "relu": lambda h: ops.cast(h > 0, h.dtype),
    }.get(name)


def _single_dense_layer(encoder):
    """The encoder's only Dense layer if the encoder is x -> f(Wx + b) (with
    flattening allowed) and f has a closed-form derivative, else None."""
    weighted = [layer for layer in encoder.layers if layer.weights]
    shaping = (layers.InputLayer, layers.Flatten, layers.Reshape)
    others = [layer for layer in encoder.layers if not layer.weights and not isinstance(layer, shaping)]
    if len(weighted) != 1 or others or not isinstance(weighted[0], layers.Dense):
        return None
    if _derivative_from_output(weighted[0].activation.__name__) is None:
        return None
    return weighted[0]


def frobenius_jacobian_closed_form(dense, code):
    """Per-example ||dh/dx||_F^2 for h = f(Wx + b): sum_j f'(a_j)^2 * ||W_:j||^2."""
    # float32 under a mixed-precision policy too: the code is computed in
    # bfloat16 or float16, the kernel is a float32 variable.
    derivative = ops.cast(_derivative_from_output(dense.activation.__name__)(code), "float32")
    column_norms = ops.sum(ops.square(dense.kernel), axis=0)
    return ops.sum(ops.square(derivative) * column_norms, axis=1)


def frobenius_jacobian_exact(encoder, x, training=False):
    """Per-example ||dh/dx||_F^2 for any encoder, by automatic differentiation
    (one backward pass per code unit, vectorised)."""
    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        code = encoder(x, training=training)
    jacobian = tape.batch_jacobian(code, x)
    return ops.sum(ops.reshape(ops.square(jacobian), (ops.shape(x)[0], -1)), axis=1)


@register_family("contractive")
class ContractiveAutoencoder(Autoencoder):
    """Autoencoder penalised by the squared Frobenius norm of its encoder's
    Jacobian, shown as `contractive_loss`.

    The norm is exact. For the classic one-layer encoder h = f(Wx + b) with
    f in {sigmoid, tanh, relu, linear} it uses the closed form
    sum_j f'(a_j)^2 ||W_j||^2, which costs about one matrix product; any
    other encoder is differentiated with `batch_jacobian` (one backward pass
    per code unit).

    Args:
        encoder, decoder: the networks, or use
            `ContractiveAutoencoder.from_spec` (default: the one-layer
            encoder of the paper, with a ReLU code: with a squared-error
            loss a sigmoid code saturates to 0/1 on MNIST within an epoch
            unless the penalty is strong, and the model then stops at the
            mean image; pass `latent_activation="sigmoid"` for the original).
        contractive_weight: lambda, the penalty's weight, >= 0.
        reconstruction_loss: `"mse"` or `"bce"`.

    Example:

    ```python
    model = keras_ae.models.ContractiveAutoencoder.from_spec(
        (28, 28, 1), latent_dim=64, contractive_weight=0.1)
    ```
    """

    default_architecture = "dense"
    penalty_names = ("contractive_loss",)

    def __init__(self, encoder, decoder, contractive_weight=0.1, reconstruction_loss="mse", **kwargs):
        super().__init__(encoder, decoder, reconstruction_loss=reconstruction_loss, **kwargs)
        self.contractive_weight = check_non_negative(contractive_weight, "contractive_weight")
        self._closed_form_layer = _single_dense_layer(self.encoder)

    @classmethod
    def architecture_defaults(cls, architecture, options):
        return {"units": (), "latent_activation": "relu"} if architecture == "dense" else {}

    @property
    def uses_closed_form(self) -> bool:
        return self._closed_form_layer is not None

    def frobenius_norms(self, x, code=None, training=False):
        """Per-example squared Frobenius norm of dh/dx."""
        if self.uses_closed_form:
            if code is None:
                code = self.encoder(x, training=training)
            return frobenius_jacobian_closed_form(self._closed_form_layer, code)
        return frobenius_jacobian_exact(self.encoder, x, training=training)

    def penalties(self, x, code, training):
        norms = self.frobenius_norms(x, code, training)
        return {"contractive_loss": self.contractive_weight * ae_losses.batch_mean(norms)}

    def get_config(self):
        config = super().get_config()
        config["contractive_weight"] = self.contractive_weight
        return config
