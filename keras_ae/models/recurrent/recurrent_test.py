import keras
import numpy as np
import pytest

import keras_ae
from tests.family_test_base import SequenceFamilyTest


class TestRecurrentAutoencoder(SequenceFamilyTest):
    family_cls = keras_ae.RecurrentAutoencoder

    def make_model(self):
        return keras_ae.RecurrentAutoencoder(self.data_shape, latent_dim=8, units=(16,), output_activation="sigmoid")

    @pytest.mark.parametrize("cell", ["lstm", "gru"])
    def test_stacked_bidirectional_cells_with_features(self, cell):
        model = keras_ae.RecurrentAutoencoder(
            (10, 3), latent_dim=4, units=(8, 6), cell=cell, bidirectional=True, feature_units=(5,)
        )
        kinds = [type(layer).__name__ for layer in model.encoder.layers]
        assert kinds.count("Bidirectional") == 2 and "Dense" in kinds
        assert model.reconstruct(np.zeros((2, 10, 3))).shape == (2, 10, 3)

    def test_autoregressive_decoder_reads_its_own_outputs(self):
        # Free-running, each step reads the step before: given its own
        # outputs as the target, the teacher-forced twin returns them.
        model = keras_ae.RecurrentAutoencoder((12, 2), latent_dim=4, units=(8, 8), decoding="autoregressive")
        z = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")
        free = model.decode(z)
        np.testing.assert_allclose(model.teacher.predict([z, free], verbose=0), free, atol=1e-5)
        # And step 5's output depends on step 4's value, not on later ones.
        target = free.copy()
        target[:, 8:] += 10.0
        forced = model.teacher.predict([z, target], verbose=0)
        np.testing.assert_allclose(forced[:, :9], free[:, :9], atol=1e-5)
        assert np.abs(forced[:, 9:] - free[:, 9:]).max() > 1e-3

    def test_autoregressive_model_trains_and_round_trips(self, mnist_digits, tmp_path):
        model = keras_ae.RecurrentAutoencoder((28, 28), latent_dim=8, units=(16,), decoding="autoregressive",
                                              output_activation="sigmoid")
        model.compile(optimizer="adam")
        x = mnist_digits[:128, ..., 0]
        before = model.evaluate(x, verbose=0)
        model.fit(x, epochs=2, batch_size=32, verbose=0)
        assert model.evaluate(x, verbose=0) < before
        model.save(tmp_path / "m.keras")
        loaded = keras.saving.load_model(tmp_path / "m.keras")
        np.testing.assert_allclose(loaded.reconstruct(x[:4]), model.reconstruct(x[:4]), atol=1e-6)

    def test_masked_padding_changes_neither_code_nor_loss(self):
        short = keras_ae.RecurrentAutoencoder((5, 2), latent_dim=3, units=(4,))
        padded = keras_ae.RecurrentAutoencoder((9, 2), latent_dim=3, units=(4,), mask_value=0.0)
        padded.encoder.set_weights(short.encoder.get_weights())
        x = np.random.default_rng(1).uniform(0.5, 1.0, (2, 5, 2)).astype("float32")
        x_padded = np.concatenate([x, np.zeros((2, 4, 2), "float32")], axis=1)
        np.testing.assert_allclose(padded.encode(x_padded), short.encode(x), atol=1e-6)
        # Whatever the model writes on padded steps adds no error.
        reconstruction = np.concatenate([x, np.full((2, 4, 2), 7.0, "float32")], axis=1)
        assert float(np.max(padded.reconstruction_error(x_padded, reconstruction))) == 0.0

    def test_export_copy_is_unrolled_with_the_same_outputs(self):
        model = keras_ae.RecurrentAutoencoder((6, 1), latent_dim=2, units=(4,), cell="gru")
        unrolled = model.for_export()
        assert unrolled.architecture_args["unroll"] and not model.architecture_args["unroll"]
        x = np.random.default_rng(0).normal(size=(3, 6, 1)).astype("float32")
        np.testing.assert_allclose(unrolled.reconstruct(x), model.reconstruct(x), atol=1e-5)

    @pytest.mark.parametrize(
        "kwargs, message",
        [({"cell": "rnn"}, "cell"), ({"units": ()}, "units"), ({"decoding": "beam"}, "decoding"),
         ({"input_shape": (28, 28, 1)}, "input_shape")],
    )
    def test_bad_arguments(self, kwargs, message):
        arguments = {"input_shape": (10, 2), "latent_dim": 3, **kwargs}
        with pytest.raises(ValueError, match=message):
            keras_ae.RecurrentAutoencoder(**arguments)
