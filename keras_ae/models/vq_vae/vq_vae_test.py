import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_ae
from keras_ae.models.vq_vae.vq_vae import CodebookUsage, VectorQuantizer
from tests.family_test_base import FamilyTest


def quantizer(codebook, **kwargs):
    layer = VectorQuantizer(len(codebook), len(codebook[0]), seed=0, **kwargs)
    layer.codebook.assign(np.asarray(codebook, "float32"))
    if layer.codebook_update == "ema":
        layer.ema_sums.assign(np.asarray(codebook, "float32"))
    return layer


class TestVQVAE(FamilyTest):
    family_cls = keras_ae.VQVAE

    def make_model(self, **kwargs):
        options = {"num_codes": 8, "filters": (8, 16), "prior_filters": 8, "prior_blocks": 1, "seed": 1, **kwargs}
        return keras_ae.VQVAE(self.data_shape, 4, **options)

    def two_replica_model(self):
        # EMA codebook statistics all-reduced over the replicas.
        return self.make_model(num_codes=16)

    @staticmethod
    def draws(model, x, y):
        # The batch vectors dead codes would restart on (the first replica's are applied).
        return {"restart_picks": model.quantizer.restart_picks(4 * 49)}

    def test_encode_decode_shapes(self, mnist_digits):
        model = self.make_model()
        x = mnist_digits[:3]
        indices = model.encode(x)
        assert indices.shape == (3, 7, 7) and indices.dtype == np.int32
        np.testing.assert_allclose(model.decode(indices), model.reconstruct(x), atol=1e-6)
        # The generic tools' codes: the quantized vectors, which decode the same.
        np.testing.assert_allclose(model.decode(model.latent_codes(x)), model.reconstruct(x), atol=1e-6)
        with pytest.raises(ValueError, match="integers in"):
            model.decode(np.full((1, 7, 7), 8))

    def test_nearest_code_and_commitment_on_a_hand_made_case(self):
        layer = quantizer([[1.0, 0.0], [0.0, -1.0]])
        z = np.array([[[[0.9, 0.0], [0.0, -2.0]]]], "float32")  # one example, a 1x2 grid
        np.testing.assert_array_equal(layer.indices(z), [[[0, 1]]])
        model = self.make_model(beta=0.5)
        x = np.random.default_rng(0).random((2, 28, 28, 1), dtype="float32")
        z = model.encoder(x).numpy()
        codebook = model.quantizer.codebook.numpy()
        nearest = codebook[np.argmin(((z[..., None, :] - codebook) ** 2).sum(-1), axis=-1)]
        _, terms = model.compute_terms(x, x)
        np.testing.assert_allclose(terms["commitment_loss"], 0.5 * ((z - nearest) ** 2).sum((1, 2, 3)).mean(), rtol=1e-5)

    @pytest.mark.parametrize("update", ["ema", "loss"])
    def test_straight_through_gradient_reaches_the_encoder(self, update, mnist_digits):
        model = self.make_model(codebook_update=update)
        x = mnist_digits[:8]
        with tf.GradientTape() as tape:
            _, terms = model.compute_terms(x, x)
            reconstruction = terms["reconstruction_loss"]
        grads = tape.gradient(reconstruction, model.encoder.trainable_variables + [model.quantizer.codebook])
        assert all(g is not None and np.abs(g).max() > 0 for g in grads[:-1])
        assert grads[-1] is None  # the reconstruction term never moves the codebook

    def test_ema_update_on_a_tiny_case(self):
        layer = quantizer([[0.0], [10.0]], ema_decay=0.5, epsilon=0.0)
        z = np.array([[1.0], [2.0], [9.0]], "float32")
        layer.update(z, layer.indices(z))
        # counts (2, 1), sums (3, 9): N = 0.5 * 1 + 0.5 * (2, 1), m = 0.5 * (0, 10) + 0.5 * (3, 9).
        np.testing.assert_allclose(layer.ema_counts.numpy(), [1.5, 1.0])
        np.testing.assert_allclose(layer.codebook.numpy(), [[1.5 / 1.5], [9.5 / 1.0]])

    def test_dead_codes_restart_onto_encoder_vectors(self):
        layer = quantizer([[0.0], [10.0], [100.0]], codebook_update="loss", restart_after=2)
        z = np.array([[0.1], [0.2], [0.3], [0.4]], "float32")
        layer.update(z, layer.indices(z))
        np.testing.assert_array_equal(layer.codebook.numpy()[1:], [[10.0], [100.0]])  # idle one step only
        layer.update(z, layer.indices(z))
        codebook = layer.codebook.numpy()
        assert codebook[0, 0] == 0.0 and set(codebook[1:, 0]) <= {np.float32(v) for v in z[:, 0]}
        np.testing.assert_array_equal(layer.idle_steps.numpy(), [0, 0, 0])

    def test_perplexity_and_dead_codes_of_a_known_usage(self):
        perplexity, dead = CodebookUsage(4, "perplexity"), CodebookUsage(4, "dead_codes")
        for metric in (perplexity, dead):
            metric.update_state([2.0, 2.0, 0.0, 0.0])
        assert float(perplexity.result()) == pytest.approx(2.0) and float(dead.result()) == 2.0
        perplexity.update_state([0.0, 0.0, 2.0, 2.0])
        assert float(perplexity.result()) == pytest.approx(4.0)

    def test_prior_is_causal_and_sampling_is_seeded(self, mnist_digits):
        model = self.make_model()
        codes = np.random.default_rng(0).integers(0, 8, (1, 7, 7)).astype("int32")
        before = model.prior(codes).numpy()
        for r, c in [(0, 0), (3, 4), (6, 6)]:
            changed = codes.copy()
            changed[0, r, c] = (changed[0, r, c] + 1) % 8
            after = model.prior(changed).numpy()
            order = np.arange(49).reshape(7, 7) <= r * 7 + c  # this cell and those before it
            np.testing.assert_allclose(after[0][order], before[0][order], atol=1e-6)
        history = model.fit_prior(mnist_digits, epochs=2, batch_size=64, verbose=0)
        assert history.history["loss"][-1] < history.history["loss"][0]
        np.testing.assert_array_equal(model.sample(3, seed=4), model.sample(3, seed=4))
        assert not np.array_equal(model.sample_codes(3, seed=4), model.sample_codes(3, seed=5))

    @pytest.mark.parametrize(
        "kwargs, name",
        [({"num_codes": 1}, "num_codes"), ({"beta": -1.0}, "beta"), ({"ema_decay": 1.0}, "ema_decay"),
         ({"codebook_update": "kmeans"}, "codebook_update"), ({"restart_after": -1}, "restart_after"),
         ({"reconstruction_loss": "bce"}, "output_activation")],
    )
    def test_bad_arguments(self, kwargs, name):
        with pytest.raises(ValueError, match=f"Received: {name}="):
            self.make_model(**kwargs)

    def test_bce_with_a_sigmoid_output_trains(self, mnist_digits):
        model = self.make_model(reconstruction_loss="bce", output_activation="sigmoid")
        model.compile(optimizer="adam")
        history = model.fit(mnist_digits[:256], epochs=2, batch_size=64, verbose=0)
        assert np.all(np.isfinite(history.history["loss"]))
        assert 0.0 <= model.reconstruct(mnist_digits[:8]).min() and model.reconstruct(mnist_digits[:8]).max() <= 1.0

    def test_saved_model_keeps_codebook_state_and_prior(self, mnist_digits, tmp_path):
        model = self.make_model()
        model.compile(optimizer="adam")
        model.fit(mnist_digits[:64], epochs=1, batch_size=32, verbose=0)
        model.fit_prior(mnist_digits[:64], epochs=1, verbose=0)
        model.save(tmp_path / "m.keras")
        loaded = keras.saving.load_model(tmp_path / "m.keras")
        for name in ("codebook", "ema_counts", "ema_sums", "idle_steps"):
            np.testing.assert_array_equal(getattr(loaded.quantizer, name).numpy(), getattr(model.quantizer, name).numpy())
        np.testing.assert_array_equal(loaded.sample(2, seed=0), model.sample(2, seed=0))
