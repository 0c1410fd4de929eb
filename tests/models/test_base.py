import keras
import numpy as np
import pytest

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
