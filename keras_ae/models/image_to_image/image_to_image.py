"""The image-to-image family: a fully convolutional encoder-decoder (plain,
U-Net or SegNet style) that restores images of any size: denoising, super-resolution."""

from __future__ import annotations

import numpy as np

from keras_ae.models.image_to_image.image_to_image_networks import image_to_image_networks, receptive_field
from keras_ae.layers import Corruption
from keras_ae.models.base import Autoencoder, register_family


@register_family("image_to_image")
class ImageToImage(Autoencoder):
    """Fully convolutional encoder-decoder mapping an image to an image of
    the same size (see `keras_ae.models.image_to_image.image_to_image_networks`).

    Trained two ways with `fit`:

    - denoising: give clean images; with `noise_level` the model adds
      Gaussian noise to its input during `fit` (a fixed standard deviation,
      or a `(low, high)` range for a blind denoiser) and learns the clean
      image back;
    - any other restoration: give pairs `fit(degraded, clean)`, for example
      bicubic-upscaled low-resolution images and the originals
      (super-resolution as SRCNN and VDSR set it up).

    `restore` runs it on images of any size (see `keras_ae.restoration` for
    denoising and upscaling files, PSNR and SSIM).

    Args:
        input_shape: `(height, width, channels)`; height and width may be None.
        latent_dim: channels of the bottleneck feature map.
        filters, blocks, kernel_size, style, residual, activation: the
            networks (see `keras_ae.models.image_to_image.image_to_image_networks`).
        noise_level: standard deviation of the training noise (data in
            [0, 1], so 25 / 255 for sigma 25), a `(low, high)` range, or 0.
        seed: seed of the noise.
        reconstruction_loss: `"mse"` (see `keras_ae.losses`).

    Example:

    ```python
    model = keras_ae.ImageToImage((None, None, 1), latent_dim=128, style="unet",
                                  noise_level=(5 / 255, 55 / 255))
    model.compile(optimizer="adam")
    model.fit(clean_patches, epochs=10)            # (n, 32, 32, 1) in [0, 1]
    clean = model.restore(noisy_image)             # (height, width, 1), any size
    ```
    """

    default_architecture = "image_to_image"
    owns_networks = True
    encoder_outputs = ("code", "levels", "image")
    # The decoder needs every level's features, not a code alone: the
    # exporters write the whole model (x -> reconstruction) only.
    export_parts = ("full",)

    def __init__(
        self,
        input_shape,
        latent_dim=128,
        filters=(32, 64),
        blocks=2,
        kernel_size=3,
        style="unet",
        residual=True,
        activation="relu",
        noise_level=0.0,
        seed=None,
        reconstruction_loss="mse",
        **kwargs,
    ):
        # === Config ===
        channels = tuple(input_shape)[-1] if isinstance(input_shape, (tuple, list)) and input_shape else None
        architecture_args = {
            # Only the channels fix the networks; any height and width run.
            "input_shape": (None, None, channels),
            "latent_dim": latent_dim,
            "filters": tuple(filters),
            "blocks": blocks,
            "kernel_size": kernel_size,
            "style": style,
            "residual": residual,
            "activation": activation,
        }
        encoder, decoder = image_to_image_networks(**{**architecture_args, "input_shape": input_shape})
        super().__init__(encoder, decoder, reconstruction_loss=reconstruction_loss, **kwargs)
        self.architecture_args = architecture_args
        self.corruption = Corruption("gaussian", noise_level, value_range=None, seed=seed, name="corruption")

    def check_networks(self, encoder, decoder):
        # The encoder hands the decoder every level's features and the
        # image itself, not one code; `image_to_image_networks` pairs them.
        data_shape = tuple(encoder.input_shape[1:])
        return data_shape, tuple(decoder.input_shape[0][1:])

    @property
    def latent_dim(self) -> int:
        return self.architecture_args["latent_dim"]

    @property
    def receptive_field(self) -> int:
        """Side of the input window each output pixel depends on; `restore`
        refuses smaller images, whose every output pixel would depend on padding."""
        args = self.architecture_args
        return receptive_field(args["filters"], args["blocks"], args["kernel_size"], args["style"])

    def corrupt(self, x, training):
        return self.corruption(x, training=training)

    def encode(self, x, batch_size: int = 256) -> list[np.ndarray]:
        """The encoder's outputs for a batch: the bottleneck feature map,
        what each level passes across, and the images (as `decode` takes them)."""
        return self.encoder.predict(self.check_data(x, "x"), batch_size=batch_size, verbose=0)

    def decode(self, outputs, batch_size: int = 256) -> np.ndarray:
        """Images from the encoder's outputs (see `encode`)."""
        return self.decoder.predict(list(outputs), batch_size=batch_size, verbose=0)

    def restore(self, images):
        """Runs the model on one image `(height, width, channels)` or a list
        of them, each of any size at least `receptive_field`; outputs are
        clipped to [0, 1]. A batch array `(n, h, w, c)` is taken as it is."""
        single = isinstance(images, np.ndarray) and images.ndim == 3
        batch = [images] if single else list(images)
        channels = self.data_shape[-1]
        restored = []
        for i, image in enumerate(batch):
            name = "image" if single else f"images[{i}]"
            image = self.check_data(np.asarray(image, dtype="float32")[None], name, (None, None, channels))
            side = min(image.shape[1:3])
            if side < self.receptive_field:
                raise ValueError(
                    f"`{name}` is smaller than the network's receptive field ({self.receptive_field} pixels): "
                    f"each output pixel would depend on padding. Received: {name} with shape {image.shape[1:]}"
                )
            restored.append(np.clip(self.predict(image, batch_size=1, verbose=0)[0], 0.0, 1.0))
        if single:
            return restored[0]
        return np.stack(restored) if isinstance(images, np.ndarray) else restored

    def get_config(self):
        config = super().get_config()
        config.update({"noise_level": self.corruption.level, "seed": self.corruption.seed})
        return config
