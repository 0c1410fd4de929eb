"""The masked autoencoder (MAE, He et al. 2021): a ViT encoder that reads a
random quarter of an image's patches, and a light decoder that fills in the rest."""

from __future__ import annotations


import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from keras_ae import losses as ae_losses
from keras_ae.models.base import Autoencoder, register_family
from keras_ae.models.mae.mae_layers import MaskTokens, PatchImages, Patches, PatchMasking, mae_networks
from keras_ae.validation import ValueRange, check_positive_int, check_shape

# The masks `reconstruct` and evaluation draw: the same for every call.
FIXED_MASK_SEED = 0


@register_family("mae")
class MaskedAutoencoder(Autoencoder):
    """Masked autoencoder of images (He et al., 2021), on the shared
    pre-LN transformer blocks.

    Each image is cut into square patches of `patch_size` pixels; a
    training step hides a random `mask_ratio` of them (drawn per image from
    the model's saved seed stream, so a resumed run repeats them and each
    replica draws its own). The encoder (a linear embedding of each patch,
    learned positions, `num_layers` blocks) reads the visible patches only;
    a narrower decoder (`decoder_dim`, `decoder_layers`) reads them with a
    learned mask token in each hidden patch's place and writes every
    patch's pixels. The loss is the squared error on the hidden patches
    only, summed over their values per image and averaged over the batch
    (the package's convention, `keras_ae.losses`; the paper's per-pixel mean
    times a constant). With `norm_pix_loss` each hidden patch's target is
    its own values standardized (the paper's better features).

    `encode(x)` gives the mean of every patch's encoded token, no patch
    hidden (`latent_dim` = `dim`): the features a linear probe reads.
    `reconstruct(x)` hides patches with a fixed seed and gives the
    decoder's guesses there, the visible patches pasted from `x` (with
    `norm_pix_loss` each guess is put back at its patch's own mean and
    spread, as the paper's figures do). `call(x)` and the exported `full`
    network decode every patch with none hidden. The codes cannot be
    decoded: the family has no `decode`. Inputs must lie in [0, 1].

    Args:
        input_shape: `(height, width, channels)`.
        latent_dim: width of the encoder's tokens (the code size).
        patch_size: side of a patch in pixels; must divide height and width.
        mask_ratio: share of the patches hidden in training, in (0, 1)
            (at least one patch shown and one hidden).
        num_heads: attention heads of every block; must divide both widths.
        num_layers: encoder blocks.
        mlp_units: hidden width of the encoder blocks' MLPs.
        decoder_dim: width of the decoder's tokens.
        decoder_layers: decoder blocks.
        decoder_mlp_units: hidden width of the decoder blocks' MLPs.
        norm_pix_loss: standardize each target patch.
        activation: activation of the MLPs. ReLU by default, as the
            transformer family's: Keras's exact "gelu" becomes an Erfc op,
            which ONNX export cannot write.
        seed: seed of the masks' generator (saved with the model).

    Example:

    ```python
    model = keras_ae.MaskedAutoencoder((32, 32, 3), patch_size=4)
    model.compile(optimizer=keras.optimizers.AdamW(1e-3, weight_decay=0.05))
    model.fit(images, epochs=15, batch_size=256)
    features = model.encode(images)          # (n, 128), for a linear probe
    ```
    """

    default_architecture = "transformer"
    owns_networks = True
    # The code has no decoder (see `_ExportView`).
    export_parts = ("full", "encoder")

    def __init__(
        self,
        input_shape,
        latent_dim=128,
        patch_size=4,
        mask_ratio=0.75,
        num_heads=4,
        num_layers=4,
        mlp_units=256,
        decoder_dim=64,
        decoder_layers=2,
        decoder_mlp_units=128,
        norm_pix_loss=False,
        activation="relu",
        seed=None,
        **kwargs,
    ):
        loss = kwargs.pop("reconstruction_loss", "mse")
        if loss != "mse":
            raise ValueError(
                f"The masked autoencoder's loss is the squared error on the hidden patches. Received: reconstruction_loss={loss!r}"
            )
        # === Config ===
        architecture_args = {
            "input_shape": check_shape(input_shape, "input_shape"), "latent_dim": latent_dim,
            "patch_size": patch_size, "num_heads": num_heads, "num_layers": num_layers, "mlp_units": mlp_units,
            "decoder_dim": decoder_dim, "decoder_layers": decoder_layers, "decoder_mlp_units": decoder_mlp_units,
            "activation": activation,
        }
        grid, visible = _check_args(architecture_args, mask_ratio)
        self.mask_ratio = float(mask_ratio)
        self.norm_pix_loss = bool(norm_pix_loss)
        # === Networks ===
        networks = dict(architecture_args, dim=architecture_args.pop("latent_dim"))
        embed, blocks, encoder, decoder = mae_networks(**networks)
        super().__init__(encoder, decoder, reconstruction_loss="mse", **kwargs)
        self.architecture_args = {**architecture_args, "latent_dim": latent_dim}
        self.grid = grid
        patches = grid[0] * grid[1]
        self.patch_size = patch_size
        self.patches = Patches(patch_size, name="patches")
        self.to_images = PatchImages(patch_size, grid, name="patch_images")
        self.masking = PatchMasking(patches, visible, seed=seed, name="masking")
        self.decoder_embed = layers.Dense(decoder_dim, name="decoder_embed")
        self.decoder_embed.build((None, None, latent_dim))
        self.mask_tokens = MaskTokens(patches, name="mask_tokens")
        self.mask_tokens.build([(None, None, decoder_dim), (None, patches)])

    def check_networks(self, encoder, decoder):
        return _input_shape(encoder), tuple(encoder.output_shape[1:])

    # === Public API ===

    @property
    def data_range(self) -> ValueRange:
        return ValueRange(0.0, 1.0, "the masked autoencoder (images in [0, 1])")

    def call(self, inputs, training=False):
        """Every patch decoded, none hidden."""
        tokens = self.encoder.get_layer("blocks")(self.encoder.get_layer("embed")(inputs), training=training)
        return self.to_images(self.decoder(self.decoder_embed(tokens), training=training))

    def decode(self, z, batch_size: int = 256):
        raise ValueError(
            "The masked autoencoder's code is the mean of its patch tokens, for probes: it cannot be decoded. "
            f"Received: z with shape {np.shape(z)}"
        )

    def interpolate(self, a, b, steps: int = 10, method: str = "linear"):
        self.decode(np.zeros((1, self.latent_dim)))

    def reconstruct(self, x, batch_size: int = 256, seed: int = FIXED_MASK_SEED) -> np.ndarray:
        """The decoder's guesses at the hidden patches of `x` (a share
        `mask_ratio`, drawn from `seed`), the visible ones pasted from `x`."""
        return self.masked_views(x, batch_size, seed)[1]

    def reconstruct_unmasked(self, x, batch_size: int = 256) -> np.ndarray:
        """Every patch of `x` decoded, none hidden (what the exported `full`
        network computes)."""
        return keras.Model.predict(self, self.check_data(x, "x"), batch_size=batch_size, verbose=0)

    def masked_views(self, x, batch_size: int = 256, seed: int = FIXED_MASK_SEED) -> tuple[np.ndarray, np.ndarray]:
        """`(masked, reconstruction)` of `x`: the images with their hidden
        patches grey, and `reconstruct(x)`."""
        x = self.check_data(x, "x")
        # One draw for the whole array: an image's mask depends on its
        # place in `x` and on `seed`, not on `batch_size`.
        masks = [m.numpy() for m in self.masking.draw(len(x), seed)]
        masked, filled = [], []
        for start in range(0, len(x), batch_size):
            batch = tf.constant(x[start:start + batch_size])
            keep, restore, hidden = (m[start:start + batch_size] for m in masks)
            prediction, target = self._masked_forward(batch, keep, restore, training=False)
            if self.norm_pix_loss:
                mean, std = _patch_statistics(target)
                prediction = prediction * std + mean
            hidden = hidden[..., None]
            guess = hidden * ops.clip(prediction, 0.0, 1.0) + (1.0 - hidden) * target
            masked.append(self.to_images(hidden * 0.5 + (1.0 - hidden) * target).numpy())
            filled.append(self.to_images(guess).numpy())
        return np.concatenate(masked), np.concatenate(filled)

    # === Objective ===

    def _masked_forward(self, x, keep, restore, training):
        """`(prediction, target)`, both `(batch, patches, values)`: the
        decoder's output for every patch, the encoder having seen `keep`."""
        tokens = self.encoder.get_layer("embed")(x, training=training)
        visible = tf.gather(tokens, keep, batch_dims=1)
        encoded = self.encoder.get_layer("blocks")(visible, training=training)
        full = self.mask_tokens([self.decoder_embed(encoded), restore])
        return self.decoder(full, training=training), self.patches(x)

    def compute_terms(self, x, target, sample_weight=None, training=False):
        if training:
            keep, restore, hidden = self.masking(x)
        else:
            # Evaluation compares epochs on the same masks, and leaves the
            # training stream alone.
            keep, restore, hidden = self.masking.draw(ops.shape(x)[0], FIXED_MASK_SEED)
        prediction, patches = self._masked_forward(x, keep, restore, training)
        goal = patches
        if self.norm_pix_loss:
            mean, std = _patch_statistics(patches)
            goal = (patches - mean) / std
        prediction = ops.cast(prediction, "float32")
        error = ops.sum(ops.square(prediction - ops.cast(goal, "float32")), axis=-1)
        per_example = ops.sum(error * hidden, axis=-1)
        terms = {"reconstruction_loss": ae_losses.batch_mean(per_example, sample_weight)}
        hidden = hidden[..., None]
        shown = prediction * ops.cast(std, "float32") + ops.cast(mean, "float32") if self.norm_pix_loss else prediction
        reconstruction = self.to_images(hidden * shown + (1.0 - hidden) * ops.cast(patches, "float32"))
        return reconstruction, terms

    # === Export ===

    def for_export(self):
        return _ExportView(self)

    # === Config ===

    def get_config(self):
        config = super().get_config()
        config.pop("reconstruction_loss")
        config.update({"mask_ratio": self.mask_ratio, "norm_pix_loss": self.norm_pix_loss, "seed": self.masking.seed})
        return config


def _patch_statistics(patches):
    """Each patch's mean and standard deviation (plus 1e-6 under the root,
    the paper's), shaped to broadcast over its values."""
    mean = ops.mean(patches, axis=-1, keepdims=True)
    return mean, ops.sqrt(ops.var(patches, axis=-1, keepdims=True) + 1e-6)


def _input_shape(encoder):
    return tuple(encoder.input_shape[1:])


def _check_args(args, mask_ratio):
    """`(grid, visible)`: the rows and columns of patches, and the patches
    shown to the encoder; refuses what cannot be built."""
    shape = args["input_shape"]
    if len(shape) != 3:
        raise ValueError(f"`input_shape` must be (height, width, channels) for images. Received: input_shape={shape!r}")
    for name in ("latent_dim", "patch_size", "num_heads", "num_layers", "mlp_units", "decoder_dim", "decoder_layers",
                 "decoder_mlp_units"):
        check_positive_int(args[name], name)
    patch = args["patch_size"]
    if shape[0] % patch or shape[1] % patch:
        raise ValueError(
            f"`patch_size` must divide the image's height and width ({shape[0]}x{shape[1]}). Received: patch_size={patch}"
        )
    for width in ("latent_dim", "decoder_dim"):
        if args[width] % args["num_heads"]:
            raise ValueError(
                f"`num_heads` must divide the width {width}={args[width]} (each head gets width / num_heads "
                f"channels). Received: num_heads={args['num_heads']}"
            )
    grid = (shape[0] // patch, shape[1] // patch)
    patches = grid[0] * grid[1]
    ratio = mask_ratio if isinstance(mask_ratio, (int, float)) and not isinstance(mask_ratio, bool) else None
    visible = None if ratio is None else int(patches * (1 - ratio))
    if ratio is None or not 0 < ratio < 1 or not 0 < visible < patches:
        raise ValueError(
            f"`mask_ratio` must be in (0, 1) and leave at least one of the {patches} patches shown and one hidden. "
            f"Received: mask_ratio={mask_ratio!r}"
        )
    return grid, visible


class _ExportView:
    """What the exporters trace for a masked autoencoder: `encode` (images
    to the pooled code) and `full` (every patch decoded, none hidden). The
    random masking is training's, and the code has no decoder: no
    `decode` signature."""

    encoder_outputs = ("code",)
    # What `keras_ae.export` asks of the model it traces.
    conditional = False
    has_encoder = True
    has_prior = False
    export_parts = ("full", "encoder")

    def __init__(self, model: MaskedAutoencoder):
        self.family = model.family
        self.data_shape = model.data_shape
        self.latent_shape = model.latent_shape
        self.encoder = model.encoder
        x = keras.Input(model.data_shape, name="x")
        self.full_network = keras.Model(x, model(x), name="full")

    def for_export(self):
        return self

