"""The recurrent family's networks: stacked LSTM/GRU layers, a
sequence-to-vector encoder, a decoder that reads the code repeated at every
step (the "recurrent" architecture, which other families may be built on
too) and the autoregressive decoder with its teacher-forced twin."""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers

from keras_ae.blocks import dense_stack, register_architecture
from keras_ae.validation import check_choice, check_positive_int, check_shape

RNN_LAYERS = {"lstm": (layers.LSTM, layers.LSTMCell), "gru": (layers.GRU, layers.GRUCell)}


def _check_sequence_args(input_shape, latent_dim, units, cell, feature_units):
    input_shape = check_shape(input_shape, "input_shape")
    if len(input_shape) != 2:
        raise ValueError(
            f"`input_shape` must be (timesteps, features) for a sequence. Received: input_shape={input_shape!r}"
        )
    check_positive_int(latent_dim, "latent_dim")
    check_choice(cell, RNN_LAYERS, "cell")
    units = [check_positive_int(u, "units") for u in units]
    if not units:
        raise ValueError(f"`units` needs at least one recurrent layer. Received: units={units}")
    return input_shape, units, [check_positive_int(u, "feature_units") for u in feature_units]


def recurrent_stack(x, units: Sequence[int], cell: str, name: str, bidirectional: bool = False,
                    last_sequences: bool = False, unroll: bool = False):
    """Stacked LSTM/GRU layers; every layer but the last returns its
    sequence (the last too when `last_sequences`). `unroll` writes the time
    loop out as plain ops, which the LiteRT builtins can run."""
    for i, u in enumerate(units):
        sequences = last_sequences or i < len(units) - 1
        rnn = RNN_LAYERS[cell][0](u, return_sequences=sequences, unroll=unroll, name=f"{name}_{cell}_{i}")
        if bidirectional:
            rnn = layers.Bidirectional(rnn, name=f"{name}_bi{cell}_{i}")
        x = rnn(x)
    return x


def recurrent_encoder(
    input_shape, latent_dim, units=(64,), cell="lstm", bidirectional=False, feature_units=(),
    activation="relu", latent_activation=None, mask_value=None, unroll=False,
) -> keras.Model:
    """Sequence to vector: per-step dense features, stacked recurrent
    layers, and the last state projected to the code. With `mask_value`,
    steps whose features all equal it (padding) are skipped."""
    input_shape, units, feature_units = _check_sequence_args(input_shape, latent_dim, units, cell, feature_units)
    inputs = keras.Input(input_shape, name="x")
    h = inputs if mask_value is None else layers.Masking(float(mask_value), name="mask")(inputs)
    h = dense_stack(h, feature_units, activation, name="encoder_features")
    h = recurrent_stack(h, units, cell, "encoder", bidirectional, unroll=unroll)
    code = layers.Dense(latent_dim, activation=latent_activation, name="code")(h)
    return keras.Model(inputs, code, name="encoder")


@register_architecture("recurrent")
def recurrent_networks(
    input_shape: Sequence[int],
    latent_dim: int,
    units: Sequence[int] = (64,),
    cell: str = "lstm",
    bidirectional: bool = False,
    feature_units: Sequence[int] = (),
    activation: str = "relu",
    latent_activation: str | None = None,
    output_activation: str | None = None,
    mask_value: float | None = None,
    unroll: bool = False,
) -> tuple[keras.Model, keras.Model]:
    """A sequence-to-vector recurrent encoder and a vector-to-sequence
    decoder that reads the code repeated at every step.

    Args:
        input_shape: `(timesteps, features)`.
        latent_dim: size of the code.
        units: widths of the stacked recurrent layers; the decoder uses them
            reversed.
        cell: `"lstm"` or `"gru"`.
        bidirectional: read the sequence both ways in the encoder.
        feature_units: per-step dense layers before the encoder's recurrent
            layers (and, reversed, after the decoder's).
        activation: activation of the dense feature layers.
        latent_activation: activation of the code layer (None = linear).
        output_activation: activation of the reconstruction (None for
            standardized series).
        mask_value: padding value of variable-length sequences; the encoder
            skips padded steps (and the recurrent family's loss ignores them).
        unroll: write the time loops out (fixed-length export).
    """
    encoder = recurrent_encoder(
        input_shape, latent_dim, units, cell, bidirectional, feature_units, activation,
        latent_activation, mask_value, unroll,
    )
    timesteps, features = input_shape
    z = keras.Input((latent_dim,), name="z")
    h = layers.RepeatVector(timesteps, name="repeat")(z)
    h = recurrent_stack(h, list(units)[::-1], cell, "decoder", last_sequences=True, unroll=unroll)
    h = dense_stack(h, list(feature_units)[::-1], activation, name="decoder_features")
    h = layers.Dense(features, activation=output_activation, name="output")(h)
    return encoder, keras.Model(z, h, name="decoder")


def autoregressive_decoders(
    input_shape, latent_dim, units=(64,), cell="lstm", feature_units=(), activation="relu",
    output_activation=None,
) -> tuple[keras.Model, keras.Model]:
    """A vector-to-sequence decoder that feeds each step its previous
    output, and its teacher-forced twin for training.

    The code sets every layer's initial state and a learned first input.
    Both networks share every layer:

    - `decoder` (`z` -> sequence) runs free: step t reads step t-1's output;
    - `teacher` (`[z, target]` -> sequence) reads the target shifted by one
      step instead, so training sees every step at once.

    Given its own outputs as the target, `teacher` returns them unchanged.
    """
    (timesteps, features), units, feature_units = _check_sequence_args(
        input_shape, latent_dim, units, cell, feature_units
    )
    rnn_layer, cell_layer = RNN_LAYERS[cell]
    cells = [cell_layer(u, name=f"decoder_{cell}_cell_{i}") for i, u in enumerate(units)]
    # One dense per state of each cell (h for a GRU; h and c for an LSTM).
    initial = [
        [layers.Dense(u, activation="tanh" if j == 0 else None, name=f"decoder_state_{i}_{j}")
         for j in range(2 if cell == "lstm" else 1)]
        for i, u in enumerate(units)
    ]
    start = layers.Dense(features, name="decoder_start")
    head = [layers.Dense(u, activation=activation, name=f"decoder_features_dense_{i}")
            for i, u in enumerate(feature_units[::-1])]
    head.append(layers.Dense(features, activation=output_activation, name="output"))

    def states_of(z):
        return [[dense(z) for dense in cell_states] for cell_states in initial]

    def out(h):
        for layer in head:
            h = layer(h)
        return h

    z = keras.Input((latent_dim,), name="z")
    target = keras.Input((timesteps, features), name="target")
    first = layers.Reshape((1, features), name="start_step")(start(z))
    h = layers.Concatenate(axis=1, name="shifted")([first, layers.Cropping1D((0, 1), name="drop_last")(target)])
    for c, states in zip(cells, states_of(z)):
        h = layers.RNN(c, return_sequences=True, name=f"{c.name}_rnn")(h, initial_state=states)
    teacher = keras.Model([z, target], out(h), name="teacher_decoder")

    z = keras.Input((latent_dim,), name="z")
    states = states_of(z)
    previous, steps = start(z), []
    for t in range(timesteps):
        h = previous
        for i, c in enumerate(cells):
            h, states[i] = c(h, states[i])
        previous = out(h)
        steps.append(layers.Reshape((1, features), name=f"step_{t}")(previous))
    sequence = steps[0] if timesteps == 1 else layers.Concatenate(axis=1, name="sequence")(steps)
    return keras.Model(z, sequence, name="decoder"), teacher
