"""The denoising autoencoder: the input is corrupted during training only,
and the target stays the clean example, so the model learns to remove noise."""

from __future__ import annotations

from keras_ae.layers import Corruption
from keras_ae.models.base import Autoencoder, register_family


@register_family("denoising")
class DenoisingAutoencoder(Autoencoder):
    """Autoencoder trained to reconstruct clean examples from corrupted ones.

    The corruption runs in `fit` only: `call`, `predict`, `reconstruct` and
    `evaluate` see the input unchanged (give noisy inputs to denoise them).

    Args:
        encoder, decoder: the networks (see `Autoencoder`), or use
            `DenoisingAutoencoder.from_spec(input_shape, latent_dim, ...)`.
        noise: `"gaussian"`, `"salt_and_pepper"` or `"masking"`.
        noise_level: standard deviation (Gaussian) or fraction of values hit.
        value_range: `(low, high)` of the data (see `keras_ae.layers.Corruption`).
        seed: seed of the corruption.
        reconstruction_loss: `"mse"` or `"bce"`.

    Example:

    ```python
    model = keras_ae.models.DenoisingAutoencoder.from_spec(
        (28, 28, 1), latent_dim=32, noise="gaussian", noise_level=0.5)
    model.compile(optimizer="adam")
    model.fit(x_train, epochs=10)          # the target is the clean x_train
    clean = model.reconstruct(noisy_images)
    ```
    """

    def __init__(
        self,
        encoder,
        decoder,
        noise="gaussian",
        noise_level=0.5,
        value_range=(0.0, 1.0),
        seed=None,
        reconstruction_loss="mse",
        **kwargs,
    ):
        super().__init__(encoder, decoder, reconstruction_loss=reconstruction_loss, **kwargs)
        self.corruption = Corruption(noise, noise_level, value_range, seed, name="corruption")

    def corrupt(self, x, training):
        return self.corruption(x, training=training)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "noise": self.corruption.kind,
                "noise_level": self.corruption.level,
                "value_range": self.corruption.value_range,
                "seed": self.corruption.seed,
            }
        )
        return config
