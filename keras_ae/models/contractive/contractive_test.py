import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_ae
from keras_ae.models.contractive.contractive import frobenius_jacobian_exact
from tests.family_test_base import FamilyTest


class TestContractiveAutoencoder(FamilyTest):
    family_cls = keras_ae.ContractiveAutoencoder

    def make_model(self):
        return keras_ae.ContractiveAutoencoder.from_spec(self.data_shape, 16, contractive_weight=0.1)

    @pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", None])
    def test_closed_form_by_hand(self, activation):
        encoder, decoder = keras_ae.blocks.dense_networks((5,), 3, units=(), latent_activation=activation)
        model = keras_ae.ContractiveAutoencoder(encoder, decoder, contractive_weight=0.5)
        assert model.uses_closed_form
        rng = np.random.default_rng(1)
        x = rng.normal(size=(4, 5)).astype("float32")
        w, b = encoder.get_weights()
        a = x @ w + b
        derivative = {
            "sigmoid": lambda a: (s := 1 / (1 + np.exp(-a))) * (1 - s),
            "tanh": lambda a: 1 - np.tanh(a) ** 2,
            "relu": lambda a: (a > 0).astype("float64"),
            None: np.ones_like,
        }[activation](a)
        # dh/dx for one example is diag(f'(a)) W^T: a (3, 5) matrix.
        norms = [np.sum((derivative[i][:, None] * w.T) ** 2) for i in range(len(x))]
        np.testing.assert_allclose(model.frobenius_norms(x), norms, rtol=1e-5)
        _, terms = model.compute_terms(x, x)
        np.testing.assert_allclose(terms["contractive_loss"], 0.5 * np.mean(norms), rtol=1e-5)
        # The closed form and automatic differentiation agree.
        np.testing.assert_allclose(frobenius_jacobian_exact(encoder, tf.constant(x)), norms, rtol=1e-5)

    def test_deep_encoder_uses_the_exact_jacobian(self):
        encoder, decoder = keras_ae.blocks.dense_networks((5,), 2, units=(4,), activation="tanh", latent_activation="tanh")
        model = keras_ae.ContractiveAutoencoder(encoder, decoder)
        assert not model.uses_closed_form
        x = np.random.default_rng(2).normal(size=(3, 5)).astype("float32")
        w1, b1, w2, b2 = encoder.get_weights()
        h1 = np.tanh(x @ w1 + b1)
        h2 = np.tanh(h1 @ w2 + b2)
        norms = [
            np.sum((np.diag(1 - h2[i] ** 2) @ w2.T @ np.diag(1 - h1[i] ** 2) @ w1.T) ** 2) for i in range(3)
        ]
        np.testing.assert_allclose(model.frobenius_norms(x), norms, rtol=1e-5)

    def test_penalty_lowers_sensitivity(self, mnist_digits):
        def trained(weight):
            keras.utils.set_random_seed(0)
            model = keras_ae.ContractiveAutoencoder.from_spec(self.data_shape, 32, contractive_weight=weight)
            model.compile(optimizer=keras.optimizers.Adam(3e-3))
            model.fit(mnist_digits, epochs=5, batch_size=32, verbose=0)
            return float(np.mean(model.frobenius_norms(mnist_digits[:128])))

        assert trained(1.0) < 0.25 * trained(0.0)

    def test_bad_weight(self):
        with pytest.raises(ValueError, match="Received: contractive_weight=-1"):
            keras_ae.ContractiveAutoencoder.from_spec((4,), 2, contractive_weight=-1)
