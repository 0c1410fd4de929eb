import numpy as np
import pytest

import keras_ae
from tests.family_test_base import FamilyTest


class TestConvAutoencoder(FamilyTest):
    family_cls = keras_ae.ConvAutoencoder

    def make_model(self):
        return keras_ae.ConvAutoencoder(self.data_shape, latent_dim=8, filters=(8, 16))

    @pytest.mark.parametrize("shape", [(28, 28, 1), (32, 32, 3), (21, 17, 2)])
    def test_any_image_size_round_trips(self, shape):
        model = keras_ae.ConvAutoencoder(shape, latent_dim=4, filters=(4, 8, 8))
        assert model.reconstruct(np.zeros((2, *shape))).shape == (2, *shape)

    def test_conv_layers_down_and_up(self):
        model = self.make_model()
        down = [layer for layer in model.encoder.layers if type(layer).__name__ == "Conv2D"]
        up = [layer for layer in model.decoder.layers if type(layer).__name__ == "Conv2DTranspose"]
        assert [layer.filters for layer in down] == [8, 16]
        assert [layer.filters for layer in up] == [16, 8]

    @pytest.mark.parametrize("input_shape", [(28, 28), (0, 28, 1)])
    def test_bad_input_shape(self, input_shape):
        with pytest.raises(ValueError, match="input_shape"):
            keras_ae.ConvAutoencoder(input_shape, latent_dim=4)
