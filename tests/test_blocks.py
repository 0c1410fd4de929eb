import keras
import numpy as np
import pytest

from keras_ae import blocks, losses
from keras_ae.layers import TopK


def test_dense_networks_mirror_each_other():
    encoder, decoder = blocks.dense_networks((6, 2), 3, units=(8, 5))
    assert [layer.units for layer in encoder.layers if hasattr(layer, "units")] == [8, 5, 3]
    assert [layer.units for layer in decoder.layers if hasattr(layer, "units")] == [5, 8, 12]
    assert decoder.output_shape == (None, 6, 2)


@pytest.mark.parametrize("kwargs, name", [({"filters": ()}, "filters"), ({"filters": (8, 0)}, "filters"), ({"kernel_size": 0}, "kernel_size")])
def test_conv_networks_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=f"Received: {name}="):
        blocks.conv_networks((28, 28, 1), 4, **kwargs)


def test_reconstruction_losses_are_per_example_sums():
    target = np.array([[[0.0, 1.0], [1.0, 0.0]]] * 3, dtype="float32")
    prediction = np.full_like(target, 0.5)
    np.testing.assert_allclose(losses.squared_error(target, prediction), [1.0, 1.0, 1.0])
    np.testing.assert_allclose(losses.binary_crossentropy(target, prediction), [4 * np.log(2)] * 3, rtol=1e-6)
    with pytest.raises(ValueError, match="Received: reconstruction_loss='l3'"):
        losses.get_reconstruction_loss("l3")


def test_sample_weight_follows_keras_convention():
    per_example = np.array([1.0, 3.0], dtype="float32")
    assert float(losses.batch_mean(per_example, np.array([1.0, 0.0]))) == pytest.approx(0.5)


def test_top_k_code_keeps_the_k_largest_units():
    encoder, _ = blocks.dense_networks((6,), 5, units=(), top_k=2)
    x = np.random.default_rng(0).normal(size=(7, 6)).astype("float32")
    kernel, bias = encoder.get_layer("code").get_weights()
    dense = x @ kernel + bias
    expected = np.zeros_like(dense)
    top = np.argsort(dense, axis=1)[:, -2:]
    np.put_along_axis(expected, top, np.take_along_axis(dense, top, axis=1), axis=1)
    np.testing.assert_allclose(encoder.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)


def test_top_k_layer_refuses_a_code_smaller_than_k():
    with pytest.raises(ValueError, match="code size 3. Received: k=4"):
        TopK(4)(keras.Input((3,)))


@pytest.mark.parametrize("top_k", [0, 6, 2.5])
def test_top_k_bad_values(top_k):
    with pytest.raises(ValueError, match=f"Received: top_k={top_k}"):
        blocks.dense_networks((6,), 5, units=(), top_k=top_k)
