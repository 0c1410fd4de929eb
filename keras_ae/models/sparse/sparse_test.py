import keras
import numpy as np
import pytest

import keras_ae
from tests.family_test_base import FamilyTest


def tiny_networks(code_activation):
    """A 4 -> 3 -> 4 model with fixed weights, small enough to check by hand."""
    encoder, decoder = keras_ae.blocks.dense_networks((4,), 3, units=(), latent_activation=code_activation)
    rng = np.random.default_rng(0)
    encoder.set_weights([rng.normal(size=(4, 3)), rng.normal(size=3)])
    return encoder, decoder, rng.random((5, 4), dtype="float32")


class TestSparseAutoencoder(FamilyTest):
    family_cls = keras_ae.SparseAutoencoder

    def make_model(self):
        return keras_ae.SparseAutoencoder.from_spec(
            self.data_shape, 16, architecture="dense", architecture_options={"units": (64,)},
            sparsity="kl", sparsity_weight=0.1, target_activation=0.05,
        )

    def test_l1_penalty_by_hand(self):
        encoder, decoder, x = tiny_networks("relu")
        model = keras_ae.SparseAutoencoder(encoder, decoder, sparsity="l1", sparsity_weight=0.3)
        w, b = encoder.get_weights()
        code = np.maximum(x @ w + b, 0)
        _, terms = model.compute_terms(x, x)
        np.testing.assert_allclose(terms["sparsity_loss"], 0.3 * np.mean(np.abs(code).sum(axis=1)), rtol=1e-5)

    def test_kl_penalty_by_hand(self):
        encoder, decoder, x = tiny_networks("sigmoid")
        model = keras_ae.SparseAutoencoder(encoder, decoder, sparsity="kl", sparsity_weight=2.0, target_activation=0.1)
        w, b = encoder.get_weights()
        rho_hat = (1 / (1 + np.exp(-(x @ w + b)))).mean(axis=0)
        kl = 0.1 * np.log(0.1 / rho_hat) + 0.9 * np.log(0.9 / (1 - rho_hat))
        _, terms = model.compute_terms(x, x)
        np.testing.assert_allclose(terms["sparsity_loss"], 2.0 * kl.sum(), rtol=1e-5)

    def test_kl_needs_a_sigmoid_code(self):
        encoder, decoder, _ = tiny_networks(None)
        with pytest.raises(ValueError, match="Received: code activation 'linear'"):
            keras_ae.SparseAutoencoder(encoder, decoder, sparsity="kl")

    @pytest.mark.parametrize(
        "kwargs, name",
        [({"sparsity": "l2"}, "sparsity"), ({"sparsity_weight": -1.0}, "sparsity_weight"),
         ({"target_activation": 1.0}, "target_activation")],
    )
    def test_bad_arguments(self, kwargs, name):
        with pytest.raises(ValueError, match=f"Received: {name}="):
            keras_ae.SparseAutoencoder.from_spec((4,), 3, architecture="dense", **kwargs)

    @pytest.mark.parametrize("sparsity, weight", [("kl", 3.0), ("l1", 0.1)])
    def test_penalty_sparsifies_the_trained_code(self, mnist_digits, sparsity, weight):
        def trained_code(sparsity_weight):
            keras.utils.set_random_seed(0)
            model = keras_ae.SparseAutoencoder.from_spec(
                self.data_shape, 16, architecture="dense", architecture_options={"units": (64,)},
                sparsity=sparsity, sparsity_weight=sparsity_weight,
            )
            model.compile(optimizer=keras.optimizers.Adam(3e-3))
            model.fit(mnist_digits, epochs=8, batch_size=64, verbose=0)
            return model.encode(mnist_digits)

        free, penalised = trained_code(0.0), trained_code(weight)
        if sparsity == "kl":  # mean activation pulled towards rho = 0.05
            assert penalised.mean() < 0.5 * free.mean()
        else:  # more units exactly off
            assert np.mean(penalised == 0) > np.mean(free == 0) + 0.15
