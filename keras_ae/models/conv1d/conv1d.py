"""The 1-D convolutional autoencoder for sequences: stride-2 Conv1D stages
down to a code and Conv1DTranspose stages back up."""

from __future__ import annotations

from keras_ae.models.base import register_family
from keras_ae.models.conv.conv import ConvAutoencoder


@register_family("conv1d")
class Conv1DAutoencoder(ConvAutoencoder):
    """Convolutional autoencoder for sequences `(timesteps, features)`,
    such as windows of a standardized time series.

    The networks are the conv family's, built with Conv1D layers; the
    defaults suit standardized series (wide kernels, linear output).

    Args:
        input_shape: `(timesteps, features)`; any length (padded and
            cropped to a multiple of `2 ** len(filters)` inside).
        latent_dim: size of the code.
        filters, kernel_size, dense_units, activation, latent_activation,
        output_activation, reconstruction_loss: as for `ConvAutoencoder`.

    Example:

    ```python
    windows = keras_ae.timeseries.sliding_windows(series, window=288)
    model = keras_ae.Conv1DAutoencoder((288, 1), latent_dim=32)
    model.compile(optimizer="adam")
    model.fit(windows, epochs=30, batch_size=128)
    ```
    """

    example_axes = ("timesteps", "features")
    sequence_data = True

    def __init__(
        self,
        input_shape,
        latent_dim,
        filters=(32, 16),
        kernel_size=7,
        dense_units=(),
        activation="relu",
        latent_activation=None,
        output_activation=None,
        reconstruction_loss="mse",
        **kwargs,
    ):
        super().__init__(
            input_shape, latent_dim, filters=filters, kernel_size=kernel_size, dense_units=dense_units,
            activation=activation, latent_activation=latent_activation,
            output_activation=output_activation, reconstruction_loss=reconstruction_loss, **kwargs,
        )
