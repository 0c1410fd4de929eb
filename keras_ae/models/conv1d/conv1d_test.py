import numpy as np
import pytest

import keras_ae
from tests.family_test_base import SequenceFamilyTest


class TestConv1DAutoencoder(SequenceFamilyTest):
    family_cls = keras_ae.Conv1DAutoencoder

    def make_model(self):
        return keras_ae.Conv1DAutoencoder(self.data_shape, latent_dim=8, filters=(8, 16), output_activation="sigmoid")

    @pytest.mark.parametrize("timesteps", [288, 50, 7])
    def test_any_length_round_trips_through_conv1d(self, timesteps):
        model = keras_ae.Conv1DAutoencoder((timesteps, 2), latent_dim=4, filters=(4, 8))
        assert model.reconstruct(np.zeros((2, timesteps, 2))).shape == (2, timesteps, 2)
        kinds = {type(layer).__name__ for layer in model.encoder.layers + model.decoder.layers}
        assert {"Conv1D", "Conv1DTranspose"} <= kinds and "Conv2D" not in kinds

    def test_images_are_refused(self):
        with pytest.raises(ValueError, match=r"timesteps, features.*Received: input_shape=\(28, 28, 1\)"):
            keras_ae.Conv1DAutoencoder((28, 28, 1), latent_dim=4)
