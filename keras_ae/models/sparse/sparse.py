"""The sparse autoencoder: a penalty keeps most code units inactive, either
an L1 activity penalty or the KL divergence towards a target activation rho."""

from __future__ import annotations


from keras_ae import losses as ae_losses
from keras_ae.models.base import Autoencoder, register_family
from keras_ae.validation import check_choice, check_fraction, check_non_negative

SPARSITY_PENALTIES = ("l1", "kl")
# Weights that visibly sparsify an MNIST code against a reconstruction loss
# summed over 784 pixels (see keras_ae.losses); scale them with the data.
DEFAULT_WEIGHTS = {"l1": 0.1, "kl": 3.0}


def _code_activation(encoder) -> str:
    activation = getattr(encoder.layers[-1], "activation", None)
    return getattr(activation, "__name__", "unknown") if activation is not None else "unknown"


@register_family("sparse")
class SparseAutoencoder(Autoencoder):
    """Autoencoder with a sparsity penalty on its code.

    The penalty is added to the loss and shown as `sparsity_loss`
    (conventions in `keras_ae.losses`):

    - `"l1"`: `sparsity_weight * sum_j |h_j|` per example, batch mean.
    - `"kl"`: `sparsity_weight * sum_j KL(rho || rho_hat_j)`, with rho_hat_j
      the mean activation of unit j over the batch. The code must lie in
      (0, 1), so the encoder has to end with a sigmoid.

    Args:
        encoder, decoder: the networks, or use `SparseAutoencoder.from_spec`
            (which gives the code a ReLU for L1 and a sigmoid for KL).
        sparsity: `"l1"` or `"kl"`.
        sparsity_weight: weight of the penalty, >= 0; None gives
            `DEFAULT_WEIGHTS[sparsity]` (0.1 for L1, 3.0 for KL).
        target_activation: rho for `"kl"`, in (0, 1).
        reconstruction_loss: `"mse"` or `"bce"`.

    Example:

    ```python
    model = keras_ae.models.SparseAutoencoder.from_spec(
        (28, 28, 1), latent_dim=64, architecture="dense", sparsity="kl",
        sparsity_weight=3.0, target_activation=0.05)
    ```
    """

    penalty_names = ("sparsity_loss",)

    def __init__(
        self,
        encoder,
        decoder,
        sparsity="l1",
        sparsity_weight=None,
        target_activation=0.05,
        reconstruction_loss="mse",
        **kwargs,
    ):
        super().__init__(encoder, decoder, reconstruction_loss=reconstruction_loss, **kwargs)
        self.sparsity = check_choice(sparsity, SPARSITY_PENALTIES, "sparsity")
        if sparsity_weight is None:
            sparsity_weight = DEFAULT_WEIGHTS[self.sparsity]
        self.sparsity_weight = check_non_negative(sparsity_weight, "sparsity_weight")
        self.target_activation = check_fraction(target_activation, "target_activation", open_interval=True)
        if sparsity == "kl" and _code_activation(self.encoder) != "sigmoid":
            raise ValueError(
                "sparsity='kl' needs code activations in (0, 1): end the encoder with a "
                "sigmoid (e.g. `latent_activation='sigmoid'` in keras_ae.blocks). "
                f"Received: code activation {_code_activation(self.encoder)!r}"
            )

    @classmethod
    def architecture_defaults(cls, architecture, options):
        return {"latent_activation": "sigmoid" if options.get("sparsity") == "kl" else "relu"}

    def penalties(self, x, code, training):
        if self.sparsity == "l1":
            penalty = ae_losses.batch_mean(ae_losses.l1_activity(code))
        else:
            penalty = ae_losses.kl_sparsity(code, self.target_activation)
        return {"sparsity_loss": self.sparsity_weight * penalty}

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "sparsity": self.sparsity,
                "sparsity_weight": self.sparsity_weight,
                "target_activation": self.target_activation,
            }
        )
        return config
