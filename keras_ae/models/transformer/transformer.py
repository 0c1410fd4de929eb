"""The transformer autoencoder for sequences: a pre-LN self-attention encoder
pooled to a code, and learned per-step queries that read it back out."""

from __future__ import annotations

from keras_ae import losses as ae_losses
from keras_ae.blocks import transformer_networks
from keras_ae.models.base import Autoencoder, register_family


@register_family("transformer")
class TransformerAutoencoder(Autoencoder):
    """Transformer autoencoder for sequences `(timesteps, features)`.

    The encoder projects each step (or each `patch_size` steps) to a
    token of `dim` channels, adds its position
    (learned or sinusoidal), runs `num_layers` pre-LN blocks of
    `keras.layers.MultiHeadAttention` and MLP, and pools the steps (their
    mean) into a dense code of `latent_dim`. The decoder projects the code
    to `memory_tokens` vectors; one learned query per output token attends
    to them (and to the other queries) through `num_layers` blocks, and a
    dense layer writes each token's steps. No dropout: training draws
    nothing at random.

    With `mask_value`, sequences shorter than `timesteps` are padded with
    it at the end (`keras.utils.pad_sequences(..., padding="post",
    value=mask_value, dtype="float32")`): a step whose features all equal
    it is zeroed, a token of padding only is no key of any attention and is
    left out of the pooled mean, so the padding changes no code; and the
    loss leaves padded steps out.

    Args:
        input_shape: `(timesteps, features)`.
        latent_dim: size of the code.
        dim: width of every token.
        num_heads: attention heads; must divide `dim`.
        num_layers: blocks in the encoder, and in the decoder.
        mlp_units: hidden width of each block's MLP.
        memory_tokens: vectors made from the code for the decoder's queries
            to attend to.
        patch_size: consecutive steps per token (attention costs the square
            of the number of tokens).
        position: `"learned"` or `"sinusoidal"` position embeddings.
        activation: activation of the MLPs. ReLU by default: Keras's exact
            "gelu" becomes an Erfc op, which ONNX export cannot write.
        latent_activation: code activation (None = linear).
        output_activation: reconstruction activation (None for
            standardized series, "sigmoid" for values in [0, 1]).
        mask_value: the padding value of variable-length sequences, or None.
        reconstruction_loss: `"mse"` or `"bce"` (see `keras_ae.losses`).

    Example:

    ```python
    windows = keras_ae.timeseries.sliding_windows(series, window=288)
    model = keras_ae.TransformerAutoencoder((288, 1), latent_dim=32)
    model.compile(optimizer="adam")
    model.fit(windows, epochs=20, batch_size=128)
    ```
    """

    default_architecture = "transformer"
    owns_networks = True
    sequence_data = True

    def __init__(
        self,
        input_shape,
        latent_dim,
        dim=32,
        num_heads=2,
        num_layers=2,
        mlp_units=64,
        memory_tokens=4,
        patch_size=1,
        position="learned",
        activation="relu",
        latent_activation=None,
        output_activation=None,
        mask_value=None,
        reconstruction_loss="mse",
        **kwargs,
    ):
        # === Config ===
        # The networks are rebuilt from these on loading (`network_config`).
        architecture_args = {
            "input_shape": input_shape,
            "latent_dim": latent_dim,
            "dim": dim,
            "num_heads": num_heads,
            "num_layers": num_layers,
            "mlp_units": mlp_units,
            "memory_tokens": memory_tokens,
            "patch_size": patch_size,
            "position": position,
            "activation": activation,
            "latent_activation": latent_activation,
            "output_activation": output_activation,
            "mask_value": mask_value,
        }
        # === Networks ===
        encoder, decoder = transformer_networks(**architecture_args)
        super().__init__(encoder, decoder, reconstruction_loss=reconstruction_loss, **kwargs)
        self.architecture_args = architecture_args

    # === Objective ===

    def reconstruction_error(self, target, reconstruction):
        # A padded step adds exactly zero error (see `losses.without_padding`).
        reconstruction = ae_losses.without_padding(target, reconstruction, self.architecture_args["mask_value"])
        return super().reconstruction_error(target, reconstruction)
