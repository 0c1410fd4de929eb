import numpy as np
import pytest

import keras_ae
from tests.family_test_base import FamilyTest


class TestMaskedAutoencoder(FamilyTest):
    family_cls = keras_ae.MaskedAutoencoder
    # Each replica hides its own patches, so two replicas cannot match one device.
    two_replicas = "steps"
    # The patches each image shows the encoder.
    draws = staticmethod(lambda model, x, y: {"kept": model.masking(x)[0]})

    def make_model(self, **kwargs):
        options = {"patch_size": 7, "num_heads": 2, "num_layers": 1, "mlp_units": 32, "decoder_dim": 8,
                   "decoder_layers": 1, "decoder_mlp_units": 16, "seed": 1, **kwargs}
        return keras_ae.MaskedAutoencoder(self.data_shape, 16, **options)

    def test_encode_decode_shapes(self, mnist_digits):
        # The code is the pooled tokens, for probes: it has no decoder.
        model = self.make_model()
        x = mnist_digits[:3]
        assert model.encode(x).shape == (3, model.latent_dim) == (3, 16)
        assert model.reconstruct_unmasked(x).shape == x.shape
        with pytest.raises(ValueError, match="cannot be decoded"):
            model.decode(model.encode(x))

    def test_reconstruct_keeps_the_visible_patches_and_fixes_its_masks(self, mnist_digits):
        model = self.make_model(mask_ratio=0.75)
        x = mnist_digits[:4]
        masked, filled = model.masked_views(x)
        hidden = masked == 0.5  # grey patches (digits hold no exact 0.5 over a whole patch)
        np.testing.assert_array_equal(filled[~hidden], x[~hidden])
        # 16 patches of 7x7: 12 hidden, 4 shown, per image.
        assert all(hidden[i].sum() == 12 * 49 for i in range(4))
        np.testing.assert_array_equal(model.reconstruct(x), filled)
        np.testing.assert_allclose(model.reconstruct(x, batch_size=3), filled, atol=1e-5)  # the masks ignore batching
        assert not np.array_equal(model.reconstruct(x, seed=1), filled)

    def test_the_loss_reads_the_hidden_patches_only(self, mnist_digits):
        model = self.make_model()
        x = mnist_digits[:8]
        keep, restore, hidden = model.masking.draw(8, 0)
        prediction, patches = model._masked_forward(x, keep, restore, training=False)
        _, terms = model.compute_terms(x, x)
        expected = (((prediction.numpy() - patches.numpy()) ** 2).sum(-1) * hidden.numpy()).sum(-1).mean()
        np.testing.assert_allclose(terms["reconstruction_loss"], expected, rtol=1e-5)
        # The encoder never sees a hidden patch: changing one changes no output.
        hidden_pixels = model.to_images(np.repeat(hidden.numpy()[..., None], 49, axis=-1)).numpy() == 1
        changed = np.where(hidden_pixels, 1.0 - x, x)
        again, _ = model._masked_forward(changed, keep, restore, training=False)
        np.testing.assert_allclose(again.numpy(), prediction.numpy(), atol=1e-5)

    def test_training_draws_new_masks_each_step(self, mnist_digits):
        model = self.make_model()
        first, second = (model.masking(mnist_digits[:2])[0].numpy() for _ in range(2))
        assert first.shape == (2, 4) and not np.array_equal(first, second)

    def test_plot_reconstructions_writes_a_png(self, mnist_digits, tmp_path):
        from keras_ae import plotting

        plotting.masked_reconstruction_grid(self.make_model(), mnist_digits[:5], tmp_path / "mae.png", title="mae")
        assert (tmp_path / "mae.png").read_bytes()[:4] == b"\x89PNG"

    @pytest.mark.parametrize(
        "kwargs, message",
        [({"patch_size": 5}, r"28x28.*Received: patch_size=5$"), ({"mask_ratio": 1.0}, "Received: mask_ratio=1.0$"),
         ({"mask_ratio": 0.0}, "Received: mask_ratio=0.0$"), ({"mask_ratio": 0.99}, "Received: mask_ratio=0.99$"),
         ({"num_heads": 3}, "Received: num_heads=3$"), ({"reconstruction_loss": "bce"}, "Received: reconstruction_loss='bce'$"), ({"input_shape": (28, 28)}, r"Received: input_shape=\(28, 28\)$")],
    )
    def test_bad_arguments_name_the_argument_and_value(self, kwargs, message):
        arguments = {"input_shape": (28, 28, 1), "latent_dim": 16, "patch_size": 7, **kwargs}
        with pytest.raises(ValueError, match=message) as error:
            keras_ae.MaskedAutoencoder(**arguments)
        assert "\n" not in str(error.value)


def test_train_runs_on_the_embedded_digits(tmp_path):
    # What `keras-ae train mae` runs.
    from keras_ae import training

    metrics = training.train("mae", epochs=1, batch_size=32, latent_dim=8, train_examples=64,
                             options={"num_heads": 2, "num_layers": 1, "decoder_dim": 8, "decoder_layers": 1,
                                      "patch_size": 7}, out=tmp_path / "run", verbose=0)
    assert isinstance(training.load_saved_model(tmp_path / "run" / "model.keras"), keras_ae.MaskedAutoencoder)
    assert np.isfinite(metrics["test"]["sse_per_image"])
