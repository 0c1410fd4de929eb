"""The recurrent autoencoder: an LSTM/GRU sequence-to-vector encoder and a
vector-to-sequence decoder, repeat-vector or teacher-forced autoregressive."""

from __future__ import annotations

from keras_ae import losses as ae_losses
from keras_ae.models.recurrent.recurrent_networks import autoregressive_decoders, recurrent_encoder, recurrent_networks
from keras_ae.models.base import Autoencoder, register_family
from keras_ae.validation import check_choice

DECODINGS = ("repeat", "autoregressive")


@register_family("recurrent")
class RecurrentAutoencoder(Autoencoder):
    """Recurrent autoencoder for sequences `(timesteps, features)`.

    The encoder reads the sequence (optionally through per-step dense
    feature layers, optionally both ways) and projects its last state to the
    code. The decoder writes the sequence back:

    - `decoding="repeat"`: the code is fed to the decoder at every step;
    - `decoding="autoregressive"`: the code sets the decoder's states and
      each step reads the previous step's value: the true one during `fit`
      (teacher forcing), its own output at inference.

    With `mask_value`, sequences shorter than `timesteps` are padded with
    it at the end (`keras.utils.pad_sequences(..., padding="post",
    value=mask_value, dtype="float32")`): the encoder skips the padding and
    the loss leaves it out.

    Args:
        input_shape: `(timesteps, features)`.
        latent_dim: size of the code.
        units: widths of the stacked recurrent layers.
        cell: `"lstm"` or `"gru"`.
        bidirectional: read the input both ways (encoder only).
        feature_units: per-step dense layers before the encoder's recurrent
            layers and after the decoder's.
        activation: activation of those dense layers.
        output_activation: reconstruction activation (None for
            standardized series, "sigmoid" for values in [0, 1]).
        decoding: `"repeat"` or `"autoregressive"`.
        mask_value: the padding value of variable-length sequences, or None.
        unroll: write the time loops out (what export uses; slower to
            build, no faster to train on CPU).
        reconstruction_loss: `"mse"` or `"bce"` (see `keras_ae.losses`).

    Example:

    ```python
    windows = keras_ae.timeseries.sliding_windows(series, window=64)
    model = keras_ae.RecurrentAutoencoder((64, 1), latent_dim=16, units=(64,))
    model.compile(optimizer="adam")
    model.fit(windows, epochs=20, batch_size=64)
    ```
    """

    default_architecture = "recurrent"
    owns_networks = True
    sequence_data = True

    def __init__(
        self,
        input_shape,
        latent_dim,
        units=(64,),
        cell="lstm",
        bidirectional=False,
        feature_units=(),
        activation="relu",
        output_activation=None,
        decoding="repeat",
        mask_value=None,
        unroll=False,
        reconstruction_loss="mse",
        **kwargs,
    ):
        # === Config ===
        architecture_args = {
            "input_shape": input_shape,
            "latent_dim": latent_dim,
            "units": units,
            "cell": cell,
            "bidirectional": bidirectional,
            "feature_units": feature_units,
            "activation": activation,
            "output_activation": output_activation,
            "mask_value": mask_value,
            "unroll": unroll,
        }
        check_choice(decoding, DECODINGS, "decoding")
        # === Networks ===
        teacher = None
        if decoding == "repeat":
            encoder, decoder = recurrent_networks(**architecture_args)
        else:
            shared = {k: architecture_args[k] for k in ("input_shape", "latent_dim", "units", "cell", "feature_units", "activation")}
            encoder = recurrent_encoder(
                **shared, bidirectional=bidirectional, mask_value=mask_value, unroll=unroll
            )
            decoder, teacher = autoregressive_decoders(**shared, output_activation=output_activation)
        super().__init__(encoder, decoder, reconstruction_loss=reconstruction_loss, **kwargs)
        self.teacher = teacher
        self.architecture_args = {**architecture_args, "decoding": decoding}

    @property
    def timesteps(self) -> int:
        return self.data_shape[0]

    # === Objective ===

    def training_reconstruction(self, code, target, training):
        if self.teacher is None:
            return super().training_reconstruction(code, target, training)
        return self.teacher([code, target], training=training)

    def reconstruction_error(self, target, reconstruction):
        # A padded step adds exactly zero error (see `losses.without_padding`).
        reconstruction = ae_losses.without_padding(target, reconstruction, self.architecture_args["mask_value"])
        return super().reconstruction_error(target, reconstruction)

    # === Export ===

    def for_export(self):
        """A copy with its time loops unrolled and the same weights: the
        stock LiteRT interpreter runs it with builtin ops only."""
        if self.architecture_args["unroll"]:
            return self
        config = {**self.get_config(), "unroll": True}
        copy = type(self).from_config(config)
        copy.set_weights(self.get_weights())
        return copy
