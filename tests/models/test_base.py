import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_ae
from keras_ae.blocks import dense_networks


def test_any_functional_networks_train_and_round_trip(mnist_digits, tmp_path):
    encoder, decoder = dense_networks((28, 28, 1), 6, units=(32,))
    model = keras_ae.Autoencoder(encoder, decoder, reconstruction_loss="bce")
    model.compile(optimizer="adam", metrics=["mae"])
    history = model.fit(mnist_digits, epochs=2, batch_size=64, verbose=0).history
    assert set(history) == {"loss", "reconstruction_loss", "mae"}
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(loaded.reconstruct(mnist_digits[:4]), model.reconstruct(mnist_digits[:4]))
    assert loaded.get_config()["reconstruction_loss"] == "bce"


def test_evaluate_matches_a_hand_computation(mnist_digits):
    model = keras_ae.DenseAutoencoder((28, 28, 1), 4, units=(16,))
    model.compile(optimizer="adam")
    x = mnist_digits[:100]
    result = model.evaluate(x, batch_size=100, verbose=0, return_dict=True)
    expected = np.mean(np.sum((model.reconstruct(x) - x) ** 2, axis=(1, 2, 3)))
    assert result["reconstruction_loss"] == pytest.approx(expected, rel=1e-5)


def test_not_a_model_is_refused():
    _, decoder = dense_networks((8,), 2)
    with pytest.raises(ValueError, match="Received: encoder='conv'"):
        keras_ae.Autoencoder("conv", decoder)


def test_mismatched_networks_are_refused():
    encoder, _ = dense_networks((8,), 2)
    _, other_decoder = dense_networks((8,), 3)
    with pytest.raises(ValueError, match="decoder must take the encoder's output"):
        keras_ae.Autoencoder(encoder, other_decoder)
    _, wrong_output = dense_networks((9,), 2)
    with pytest.raises(ValueError, match=r"decoder must output the encoder's input shape \(8,\)"):
        keras_ae.Autoencoder(encoder, wrong_output)


def test_unknown_family_and_architecture():
    with pytest.raises(ValueError, match="Received: family='no_such_family'"):
        keras_ae.get_family("no_such_family")
    with pytest.raises(ValueError, match="Received: architecture='rnn'"):
        keras_ae.DenoisingAutoencoder.from_spec((8,), 2, architecture="rnn")


def pixels_0_255(shape=(8, 8, 8, 1)) -> np.ndarray:
    """8-bit grey levels as floats, 0 and 255 both present."""
    x = np.random.default_rng(0).integers(0, 256, shape).astype("float32")
    x.flat[0], x.flat[-1] = 0.0, 255.0
    return x


def test_bce_autoencoder_refuses_0_255_inputs_and_targets(mnist_digits):
    model = keras_ae.DenseAutoencoder((8, 8, 1), 2, units=(8,), reconstruction_loss="bce")
    model.compile(optimizer="adam")
    x, clean = pixels_0_255(), pixels_0_255() / 255.0
    expected = (
        r"^`{name}` must hold values in \[0, 1\] for the Bernoulli loss \(reconstruction_loss='bce'\); "
        r"divide 8-bit images by 255\. Received: {name} with values in \[0\.0, 255\.0\]{where}$"
    )
    for call, name, where in [
        (lambda: model.fit(x, verbose=0), "x", ""),
        (lambda: model.fit(clean, x, verbose=0), "y", ""),  # a pair's target
        (lambda: model.fit(clean, validation_data=(clean, x), verbose=0), r"validation_data\[1\]", ""),
        (lambda: model.fit(tf.constant(x), verbose=0), "x", ""),
        (lambda: model.evaluate(x, verbose=0), "x", ""),
        (lambda: model.predict(x, verbose=0), "x", ""),
        (lambda: model.reconstruct(x), "x", ""),
        (lambda: model.encode(x), "x", ""),
        (lambda: model.interpolate(x[0], x[1]), "a", ""),
        (lambda: model.fit(tf.data.Dataset.from_tensor_slices((clean, x)).batch(4), verbose=0), "y",
         r" \(a batch of the data set given as `x`\)"),
        (lambda: model.fit(clean, validation_data=tf.data.Dataset.from_tensor_slices(x).batch(4), verbose=0), "x",
         r" \(a batch of the data set given as `validation_data`\)"),
    ]:
        with pytest.raises(ValueError, match=expected.format(name=name, where=where)):
            call()
    # Arrays are checked before anything runs (the data set cases above ran a first epoch on `clean`).
    model = keras_ae.DenseAutoencoder((8, 8, 1), 2, units=(8,), reconstruction_loss="bce")
    model.compile(optimizer="adam")
    weights = model.get_weights()
    with pytest.raises(ValueError, match="validation_data"):
        model.fit(clean, validation_data=(x,), verbose=0)
    assert int(model.optimizer.iterations) == 0
    for before, after in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(before, after)


def test_mse_autoencoder_takes_any_range():
    # Squared error assumes no range: 0-255 pixels are the user's choice.
    model = keras_ae.DenseAutoencoder((8, 8, 1), 2, units=(8,), output_activation=None)
    model.compile(optimizer="adam")
    assert model.data_range is None
    x = pixels_0_255()
    dataset = tf.data.Dataset.from_tensor_slices(x).batch(4)
    # Nothing to check: the data set's pipeline is left as it is.
    assert model.checked_dataset(dataset, "x") is dataset
    history = model.fit(x.astype("uint8"), validation_data=(x,), epochs=1, verbose=0).history
    assert np.isfinite(history["loss"]).all()
    assert np.isfinite(model.fit(dataset, verbose=0).history["loss"]).all()
    assert np.isfinite(model.evaluate(x, verbose=0)).all()
    assert model.predict(x, verbose=0).shape == x.shape
