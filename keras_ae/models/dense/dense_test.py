import numpy as np
import pytest

import keras_ae
from tests.family_test_base import FamilyTest


class TestDenseAutoencoder(FamilyTest):
    family_cls = keras_ae.DenseAutoencoder

    def make_model(self):
        return keras_ae.DenseAutoencoder(self.data_shape, latent_dim=8, units=(64,))

    def test_vector_input(self):
        model = keras_ae.DenseAutoencoder((20,), latent_dim=3, units=(), output_activation=None)
        assert model.reconstruct(np.ones((5, 20))).shape == (5, 20)

    @pytest.mark.parametrize("latent_dim", [0, -3, 2.5])
    def test_bad_latent_dim(self, latent_dim):
        with pytest.raises(ValueError, match=f"Received: latent_dim={latent_dim}"):
            keras_ae.DenseAutoencoder(self.data_shape, latent_dim=latent_dim)

    def test_only_dense_architecture(self):
        with pytest.raises(ValueError, match="Received: architecture='conv'"):
            keras_ae.DenseAutoencoder.from_spec(self.data_shape, 4, architecture="conv")
