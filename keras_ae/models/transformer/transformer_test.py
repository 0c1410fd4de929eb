import numpy as np
import pytest

import keras_ae
from tests.family_test_base import SequenceFamilyTest


class TestTransformerAutoencoder(SequenceFamilyTest):
    family_cls = keras_ae.TransformerAutoencoder

    def make_model(self):
        # mask_value 0: a digit's blank rows are padded steps, so every test
        # (and every export format, tests/test_export.py) also runs the
        # masked attention and pooling.
        return keras_ae.TransformerAutoencoder(self.data_shape, latent_dim=8, dim=16, num_layers=1, mlp_units=32,
                                               patch_size=4, output_activation="sigmoid", mask_value=0.0)

    @pytest.mark.parametrize("patch_size", [1, 2])
    def test_masked_padding_changes_neither_code_nor_loss(self, patch_size):
        # Sinusoidal positions have no weights: a 9-step model takes a 5-step
        # model's encoder weights, and must then encode 5 steps padded to 9
        # as the short model encodes them (with patches of 2, step 5's
        # padding shares a token with step 4's data).
        options = {"latent_dim": 3, "dim": 8, "position": "sinusoidal", "patch_size": patch_size}
        short = keras_ae.TransformerAutoencoder((5, 2), **options)
        padded = keras_ae.TransformerAutoencoder((9, 2), mask_value=-1.0, **options)
        padded.encoder.set_weights(short.encoder.get_weights())
        x = np.random.default_rng(1).uniform(0.5, 1.0, (2, 5, 2)).astype("float32")
        x_padded = np.concatenate([x, np.full((2, 4, 2), -1.0, "float32")], axis=1)
        np.testing.assert_allclose(padded.encode(x_padded), short.encode(x), atol=1e-5)
        # The padding is really left out: without the mask the code moves.
        unmasked = keras_ae.TransformerAutoencoder((9, 2), **options)
        unmasked.encoder.set_weights(short.encoder.get_weights())
        assert np.abs(unmasked.encode(x_padded) - short.encode(x)).max() > 1e-3
        # Whatever the model writes on padded steps adds no error.
        reconstruction = np.concatenate([x, np.full((2, 4, 2), 7.0, "float32")], axis=1)
        assert float(np.max(padded.reconstruction_error(x_padded, reconstruction))) == 0.0
        assert float(np.min(unmasked.reconstruction_error(x_padded, reconstruction))) > 0.0

    @pytest.mark.parametrize("timesteps, patch_size, tokens", [(7, 4, 2), (12, 3, 4)])
    def test_any_length_is_cut_into_tokens_of_patch_size_steps(self, timesteps, patch_size, tokens):
        model = keras_ae.TransformerAutoencoder((timesteps, 3), latent_dim=4, dim=8, patch_size=patch_size)
        x = np.random.default_rng(0).normal(size=(2, timesteps, 3)).astype("float32")
        assert model.reconstruct(x).shape == (2, timesteps, 3)
        assert model.encoder.get_layer("encoder_position").embeddings.shape == (tokens, 8)
        kinds = {type(layer).__name__ for layer in model.encoder.layers + model.decoder.layers}
        assert {"MultiHeadAttention", "LearnedQueries", "LayerNormalization"} <= kinds

    def test_no_random_draws_training_is_inference(self):
        # No dropout: a training step's forward pass is the deployed one,
        # and no family layer draws (tests/test_distribute.py's STOCHASTIC).
        model = self.make_model()
        x = np.random.default_rng(0).random((3, *self.data_shape), dtype="float32")
        np.testing.assert_array_equal(model(x, training=True).numpy(), model(x, training=False).numpy())

    @pytest.mark.parametrize(
        "kwargs, message",
        [({"num_heads": 3}, r"dim=32.*Received: num_heads=3$"), ({"latent_dim": 0}, "Received: latent_dim=0$"),
         ({"patch_size": 0}, "Received: patch_size=0$"), ({"position": "rotary"}, "Received: position='rotary'$"),
         ({"input_shape": (28, 28, 1)}, r"timesteps, features.*Received: input_shape=\(28, 28, 1\)$")],
    )
    def test_bad_arguments_name_the_argument_and_value(self, kwargs, message):
        arguments = {"input_shape": (10, 2), "latent_dim": 3, **kwargs}
        with pytest.raises(ValueError, match=message) as error:
            keras_ae.TransformerAutoencoder(**arguments)
        assert "\n" not in str(error.value)


def test_train_reads_each_digits_rows_as_time_steps(tmp_path):
    # What `keras-ae train transformer` runs: the image data set's rows
    # become the sequence, and the run's folder is written.
    from keras_ae import training

    metrics = training.train("transformer", epochs=1, batch_size=32, latent_dim=4, train_examples=32,
                             options={"dim": 8, "num_layers": 1, "patch_size": 7}, out=tmp_path / "run", verbose=0)
    model = training.load_saved_model(tmp_path / "run" / "model.keras")
    assert isinstance(model, keras_ae.TransformerAutoencoder) and model.data_shape == (28, 28)
    assert metrics["test"]["examples"] == 1000 and np.isfinite(metrics["test"]["sse_per_image"])
    assert (tmp_path / "run" / "reconstructions.png").read_bytes()[:4] == b"\x89PNG"
