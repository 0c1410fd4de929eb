import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_ae
from tests.family_test_base import FamilyTest, posterior_draws


def code_model(correlated: bool):
    """A FactorVAE on 4-d vectors whose frozen encoder passes them through
    as codes (posterior std 0.05), so that its discriminator alone learns."""
    keras.utils.set_random_seed(0)
    model = keras_ae.models.FactorVAE.from_spec(
        (4,), 4, architecture="dense", architecture_options={"units": (), "output_activation": None},
        likelihood="gaussian", gamma=0.0, discriminator_units=(64, 64), seed=0,
    )
    model.encoder.get_layer("z_mean").set_weights([np.eye(4), np.zeros(4)])
    model.encoder.get_layer("z_log_var_raw").set_weights([np.zeros((4, 4)), np.full(4, -6.0)])
    model.encoder.trainable = False
    model.compile(optimizer="adam", discriminator_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5, beta_2=0.9))
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1024, 1)) + 0.1 * rng.standard_normal((1024, 4)) if correlated else rng.standard_normal((1024, 4))
    return model, x.astype("float32")


class TestFactorVAE(FamilyTest):
    family_cls = keras_ae.models.FactorVAE

    def make_model(self, **options):
        options = {"gamma": 5.0, "discriminator_units": (32, 32), "seed": 1, **options}
        return self.family_cls.from_spec(self.data_shape, 4, architecture="dense", architecture_options={"units": (64,)}, **options)

    # Each replica permutes its own half of the batch's codes for the
    # discriminator: both optimizers step once per global batch.
    two_replicas = "steps"

    def draws_model(self):
        # Binarized, so that the Bernoulli draws show beside eps.
        return self.make_model(binarize=True, discriminator_units=(8,))

    @staticmethod
    def draws(model, x, y):
        # The permutation of a fixed batch of codes, so that it shows alone.
        return {**posterior_draws(model, x, y), "permuted": model.permute_dims(tf.reshape(tf.range(16.0), (4, 4)))}

    def test_the_vae_terms_see_the_first_half_only(self, mnist_digits):
        model = self.make_model()
        state = model.sampler.seed_generator.state.numpy()
        results = []
        for second in (mnist_digits[5:9], mnist_digits[100:104]):
            model.sampler.seed_generator.state.assign(state)
            results.append(model.compute_terms(*[np.concatenate([mnist_digits[:5], second])] * 2, training=True))
        (reconstruction, a), (_, b) = results
        assert reconstruction.shape == (5, *self.data_shape)
        for name in ("reconstruction_loss", "kl_loss", "tc_loss"):
            assert a[name].numpy() == b[name].numpy()
        assert a["discriminator_loss"].numpy() != b["discriminator_loss"].numpy()

    def test_permute_dims_shuffles_each_unit_on_its_own(self):
        z = np.arange(256, dtype="float32").reshape(64, 4)
        shuffled = self.make_model().permute_dims(z).numpy()
        np.testing.assert_array_equal(np.sort(shuffled, axis=0), z)
        assert np.mean(np.all(shuffled == z, axis=1)) < 0.1
        assert len({tuple(np.argsort(shuffled[:, d])) for d in range(4)}) == 4

    def test_the_discriminator_finds_a_correlated_code(self):
        found = {}
        for correlated in (False, True):
            model, x = code_model(correlated)
            model.fit(x, epochs=10, batch_size=128, verbose=0)
            found[correlated] = model.evaluate(x, batch_size=512, verbose=0, return_dict=True)
        assert abs(found[False]["discriminator_accuracy"] - 0.5) < 0.1 and abs(found[False]["total_correlation"]) < 0.3
        assert found[True]["discriminator_accuracy"] > 0.9 and found[True]["total_correlation"] > 1.0

    def test_discriminator_and_its_optimizer_are_saved(self, mnist_digits, tmp_path):
        model = self.compiled_model()
        model.fit(mnist_digits[:64], epochs=1, batch_size=32, verbose=0)
        model.save(tmp_path / "model.keras")
        loaded = keras.saving.load_model(tmp_path / "model.keras")
        assert int(loaded.discriminator_optimizer.iterations) == int(loaded.optimizer.iterations) == 2
        for saved, restored in zip(model.discriminator.weights + model.discriminator_optimizer.variables,
                                   loaded.discriminator.weights + loaded.discriminator_optimizer.variables):
            np.testing.assert_array_equal(saved.numpy(), restored.numpy())

    @pytest.mark.parametrize("kwargs, name", [({"gamma": -1.0}, "gamma"), ({"discriminator_units": (8, 0)}, "discriminator_units")])
    def test_bad_arguments(self, kwargs, name):
        with pytest.raises(ValueError, match=f"Received: {name}="):
            self.make_model(**kwargs)
