"""The undercomplete dense autoencoder: an MLP encoder to a small code and
its mirrored decoder, the family the PCA comparison starts from."""

from __future__ import annotations

from keras_ae.blocks import dense_networks
from keras_ae.models.base import Autoencoder, register_family


@register_family("dense")
class DenseAutoencoder(Autoencoder):
    """Undercomplete MLP autoencoder.

    Args:
        input_shape: shape of one example (images are flattened).
        latent_dim: size of the code.
        units: hidden widths of the encoder, mirrored by the decoder.
        activation: hidden activation.
        latent_activation: code activation (None = linear).
        output_activation: reconstruction activation ("sigmoid" for [0, 1] data).
        reconstruction_loss: `"mse"` or `"bce"` (see `keras_ae.losses`).

    Example:

    ```python
    model = keras_ae.models.DenseAutoencoder((28, 28, 1), latent_dim=30)
    model.compile(optimizer="adam")
    model.fit(x_train, epochs=10, batch_size=128)
    ```
    """

    default_architecture = "dense"
    owns_networks = True

    def __init__(
        self,
        input_shape,
        latent_dim,
        units=(512, 256),
        activation="relu",
        latent_activation=None,
        output_activation="sigmoid",
        reconstruction_loss="mse",
        **kwargs,
    ):
        # === Config ===
        # The networks are rebuilt from these on loading (`network_config`).
        architecture_args = {
            "input_shape": input_shape,
            "latent_dim": latent_dim,
            "units": units,
            "activation": activation,
            "latent_activation": latent_activation,
            "output_activation": output_activation,
        }
        # === Networks ===
        encoder, decoder = dense_networks(**architecture_args)
        super().__init__(encoder, decoder, reconstruction_loss=reconstruction_loss, **kwargs)
        self.architecture_args = architecture_args
