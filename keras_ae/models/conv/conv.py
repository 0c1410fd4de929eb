"""The convolutional autoencoder: stride-2 Conv2D stages down to a code and
Conv2DTranspose stages back up."""

from __future__ import annotations

from keras_ae.blocks import conv_networks
from keras_ae.models.base import Autoencoder, register_family
from keras_ae.validation import check_shape


@register_family("conv")
class ConvAutoencoder(Autoencoder):
    """Convolutional autoencoder for images of any size.

    Args:
        input_shape: `(height, width, channels)`.
        latent_dim: size of the code.
        filters: channels of each stride-2 stage, mirrored by the decoder.
        kernel_size: side of every kernel.
        dense_units: dense widths between the feature map and the code.
        activation: hidden activation.
        latent_activation: code activation (None = linear).
        output_activation: reconstruction activation.
        reconstruction_loss: `"mse"` or `"bce"` (see `keras_ae.losses`).

    Example:

    ```python
    model = keras_ae.models.ConvAutoencoder((28, 28, 1), latent_dim=30)
    model.compile(optimizer="adam")
    model.fit(x_train, epochs=10, batch_size=128)
    ```
    """

    default_architecture = "conv"
    owns_networks = True
    # What the axes of one example are (the 1-D family takes sequences).
    example_axes = ("height", "width", "channels")

    def __init__(
        self,
        input_shape,
        latent_dim,
        filters=(32, 64),
        kernel_size=3,
        dense_units=(),
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
            "filters": filters,
            "kernel_size": kernel_size,
            "dense_units": dense_units,
            "activation": activation,
            "latent_activation": latent_activation,
            "output_activation": output_activation,
        }
        if len(check_shape(input_shape, "input_shape")) != len(self.example_axes):
            raise ValueError(
                f"`input_shape` of the {self.family!r} family must be ({', '.join(self.example_axes)}). "
                f"Received: input_shape={input_shape!r}"
            )
        # === Networks ===
        encoder, decoder = conv_networks(**architecture_args)
        super().__init__(encoder, decoder, reconstruction_loss=reconstruction_loss, **kwargs)
        self.architecture_args = architecture_args
