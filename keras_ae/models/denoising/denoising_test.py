import keras
import numpy as np
import pytest

import keras_ae
from keras_ae.layers import Corruption
from tests.family_test_base import FamilyTest


class TestDenoisingAutoencoder(FamilyTest):
    family_cls = keras_ae.DenoisingAutoencoder

    def make_model(self):
        return keras_ae.DenoisingAutoencoder.from_spec(
            self.data_shape, 8, architecture="dense", architecture_options={"units": (64,)},
            noise="gaussian", noise_level=0.3, seed=1,
        )

    # Each replica corrupts its own half of the batch.
    two_replicas = "steps"
    draws = staticmethod(lambda model, x, y: {"corrupted": model.corrupt(x, training=True)})

    def test_corruption_only_in_training(self, mnist_digits):
        model = self.make_model()
        x = mnist_digits[:8]
        clean_codes = model.encoder(x).numpy()
        # Inference paths see the clean input: call, predict, encode.
        np.testing.assert_allclose(model.encode(x), clean_codes, atol=1e-6)
        np.testing.assert_allclose(model(x, training=False).numpy(), model.reconstruct(x), atol=1e-6)
        assert not np.allclose(model.corrupt(x, training=True).numpy(), x)
        np.testing.assert_array_equal(model.corrupt(x, training=False).numpy(), x)

    def test_target_stays_clean(self, mnist_digits):
        model = self.make_model()
        x = mnist_digits[:16]
        # Under training the reconstruction term compares with the clean x:
        # a model whose reconstruction is x exactly would score 0 however
        # noisy its input, which compute_terms shows through the target.
        reconstruction, terms = model.compute_terms(x, x, training=True)
        expected = np.mean(np.sum((reconstruction.numpy() - x) ** 2, axis=(1, 2, 3)))
        np.testing.assert_allclose(terms["reconstruction_loss"].numpy(), expected, rtol=1e-5)

    @pytest.mark.parametrize("kind, level", [("gaussian", 0.2), ("salt_and_pepper", 0.3), ("masking", 0.5)])
    def test_noise_kinds(self, kind, level):
        layer = Corruption(kind, level, seed=0)
        x = np.full((64, 28, 28, 1), 0.5, dtype="float32")
        noisy = layer(x, training=True).numpy()
        changed = np.mean(noisy != x)
        if kind == "gaussian":
            assert abs(np.std(noisy - x) - level) < 0.01
        else:
            assert abs(changed - level) < 0.02
        if kind == "salt_and_pepper":
            assert set(np.unique(noisy)) == {0.0, 0.5, 1.0}
        if kind == "masking":
            assert set(np.unique(noisy)) == {0.0, 0.5}

    @pytest.mark.parametrize("kwargs, name", [({"noise": "pink"}, "noise"), ({"noise_level": -1}, "noise_level")])
    def test_bad_noise(self, kwargs, name):
        with pytest.raises(ValueError, match=f"Received: {name}="):
            keras_ae.DenoisingAutoencoder.from_spec(self.data_shape, 4, architecture="dense", **kwargs)

    def test_seed_makes_noise_reproducible(self):
        x = np.full((4, 10), 0.5, dtype="float32")
        first = Corruption("gaussian", 0.1, seed=3)(x, training=True)
        keras.utils.set_random_seed(99)
        second = Corruption("gaussian", 0.1, seed=3)(x, training=True)
        np.testing.assert_array_equal(first, second)
