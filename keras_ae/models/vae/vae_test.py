import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_ae
from keras_ae import evaluation
from tests.family_test_base import FamilyTest, posterior_draws


def linear_gaussian_vae(rng, data_dim=6, latent_dim=3, sigma=0.5):
    """A VAE whose encoder is set to the exact posterior of its linear
    decoder, so every importance weight equals log p(x) exactly."""
    model = keras_ae.VAE.from_spec(
        (data_dim,), latent_dim, architecture="dense", likelihood="gaussian", sigma=sigma,
        architecture_options={"units": (), "output_activation": None},
    )
    # Orthogonal columns make the true posterior covariance diagonal.
    q, _ = np.linalg.qr(rng.standard_normal((data_dim, latent_dim)))
    w = q * np.array([2.0, 1.0, 0.5])
    b = rng.standard_normal(data_dim)
    cov = np.linalg.inv(np.eye(latent_dim) + w.T @ w / sigma**2)
    a = cov @ w.T / sigma**2
    model.decoder.get_layer("output").set_weights([w.T, b])
    model.encoder.get_layer("z_mean").set_weights([a.T, -a @ b])
    model.encoder.get_layer("z_log_var_raw").set_weights([np.zeros((data_dim, latent_dim)), np.log(np.diag(cov))])
    marginal = w @ w.T + sigma**2 * np.eye(data_dim)
    return model, b, marginal


class TestVAE(FamilyTest):
    family_cls = keras_ae.VAE

    def make_model(self, **options):
        return keras_ae.VAE.from_spec(self.data_shape, 4, architecture="dense", architecture_options={"units": (64,)},
                                      seed=1, **options)

    def two_replica_model(self):
        # Convolutions too, under the VAE's objective.
        return keras_ae.VAE.from_spec(self.data_shape, 4, architecture="conv", architecture_options={"filters": (8, 16)})

    def draws_model(self):
        # Binarized, so that the Bernoulli draws show beside eps.
        return self.make_model(binarize=True)

    draws = staticmethod(posterior_draws)

    def test_terms_are_the_negative_elbo(self, mnist_digits):
        model = self.make_model()
        x = mnist_digits[:16]
        reconstruction, terms = model.compute_terms(x, x, training=True)
        mean, log_var = model.encode(x)
        kl = np.mean(0.5 * np.sum(np.exp(log_var) + mean**2 - 1 - log_var, axis=1))
        p = np.clip(reconstruction.numpy(), 1e-7, 1 - 1e-7)
        nll = np.mean(-np.sum(x * np.log(p) + (1 - x) * np.log(1 - p), axis=(1, 2, 3)))
        np.testing.assert_allclose(terms["kl_loss"].numpy(), kl, rtol=1e-4)
        np.testing.assert_allclose(terms["reconstruction_loss"].numpy(), nll, rtol=1e-4)
        # Training decodes a sampled code; inference decodes the mean.
        assert not np.allclose(reconstruction.numpy(), model.reconstruct(x), atol=1e-3)

    def test_importance_weights_of_the_exact_posterior_are_log_px(self):
        rng = np.random.default_rng(0)
        model, b, marginal = linear_gaussian_vae(rng)
        x = rng.standard_normal((5, 6)).astype("float32")
        _, logdet = np.linalg.slogdet(2 * np.pi * marginal)
        centred = x - b
        log_px = -0.5 * (logdet + np.einsum("ni,ij,nj->n", centred, np.linalg.inv(marginal), centred))
        log_w = model.log_importance_weights(x, k=7).numpy()
        np.testing.assert_allclose(log_w, np.repeat(log_px[:, None], 7, axis=1), rtol=1e-4, atol=1e-4)
        report = evaluation.importance_sampled_nll(model, x, k=7, batch_size=2)
        np.testing.assert_allclose(report["nll"], -log_px.mean(), rtol=1e-4)
        np.testing.assert_allclose(report["elbo"], log_px.mean(), rtol=1e-4)

    def test_kl_warmup_follows_the_optimizer_step(self):
        model = keras_ae.VAE.from_spec((6,), 2, architecture="dense", beta=2.0, kl_warmup_steps=100)
        model.compile(optimizer="adam")
        for step, weight in [(0, 0.0), (50, 1.0), (100, 2.0), (400, 2.0)]:
            model.optimizer.iterations.assign(step)
            assert float(model.kl_weight()) == pytest.approx(weight)

    def test_learned_sigma_trains(self, mnist_digits):
        keras.utils.set_random_seed(0)
        model = keras_ae.VAE.from_spec(self.data_shape, 4, architecture="dense", likelihood="gaussian", sigma="learned")
        model.compile(optimizer=keras.optimizers.Adam(1e-2))
        model.fit(mnist_digits[:512], epochs=2, batch_size=64, verbose=0)
        # Grey-level digits are far sharper than a unit-variance Gaussian.
        assert float(model.log_sigma) < -0.1

    def test_sample_and_binarize(self):
        model = self.make_model()
        assert model.sample(5, seed=0).shape == (5, *self.data_shape)
        np.testing.assert_array_equal(model.sample(3, seed=4), model.sample(3, seed=4))
        bits = model.sampler.bernoulli(np.full((200, 50), 0.3, "float32")).numpy()
        assert set(np.unique(bits)) == {0.0, 1.0} and abs(bits.mean() - 0.3) < 0.02

    def test_posterior_sample_binarizes_only_while_training(self):
        # The one step every variational objective starts from (VAE,
        # beta-TCVAE, FactorVAE): while training with `binarize`, the encoder
        # and the target both see the same Bernoulli draw of x.
        model = keras_ae.VAE.from_spec((6,), 2, architecture="dense", binarize=True, seed=0)
        x = np.full((64, 6), 0.3, "float32")
        target, mean, log_var, z = (np.asarray(v) for v in model.posterior_sample(x, x, training=True))
        assert set(np.unique(target)) == {0.0, 1.0}
        np.testing.assert_allclose(mean, np.asarray(model.encoder(target)[0]), rtol=1e-5, atol=1e-6)
        assert z.shape == mean.shape == log_var.shape == (64, 2) and not np.allclose(z, mean)
        target, mean, _, _ = (np.asarray(v) for v in model.posterior_sample(x, x, training=False))
        np.testing.assert_array_equal(target, x)
        np.testing.assert_allclose(mean, np.asarray(model.encoder(x)[0]), rtol=1e-5, atol=1e-6)

    @pytest.mark.parametrize(
        "kwargs, name",
        [({"beta": -1.0}, "beta"), ({"likelihood": "poisson"}, "likelihood"), ({"sigma": 0.0}, "sigma"),
         ({"kl_warmup_steps": -5}, "kl_warmup_steps")],
    )
    def test_bad_arguments(self, kwargs, name):
        with pytest.raises(ValueError, match=f"Received: {name}="):
            keras_ae.VAE.from_spec(self.data_shape, 4, architecture="dense", **kwargs)

    def test_bad_sample_count(self):
        with pytest.raises(ValueError, match="Received: n=0"):
            self.make_model().sample(0)

    def test_needs_a_two_headed_encoder(self):
        encoder, decoder = keras_ae.blocks.dense_networks((6,), 2)
        with pytest.raises(ValueError, match="mean, log_var"):
            keras_ae.VAE(encoder, decoder)


def tiny_vae(**kwargs):
    keras.utils.set_random_seed(0)
    model = keras_ae.VAE.from_spec((8, 8, 1), 2, architecture="dense", architecture_options={"units": (8,)}, seed=1, **kwargs)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    return model


def test_bernoulli_vae_refuses_a_dataset_of_0_255_pixels():
    model = tiny_vae()
    weights = model.get_weights()
    x = np.random.default_rng(0).integers(0, 256, (8, 8, 8, 1)).astype("float32")
    x[0, 0, 0, 0], x[0, 0, 1, 0] = 0.0, 255.0  # both in the first batch
    dataset = tf.data.Dataset.from_tensor_slices(x).batch(4)
    message = (
        r"^`x` must hold values in \[0, 1\] for the Bernoulli likelihood \(likelihood='bernoulli'\); divide 8-bit "
        r"images by 255\. Received: x with values in \[0\.0, 255\.0\] \(a batch of the data set given as `x`\)$"
    )
    for call in (model.fit, model.evaluate, model.predict):
        with pytest.raises(ValueError, match=message):
            call(dataset, verbose=0)
    # The first batch stopped `fit` before the step could change a weight.
    for before, after in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(before, after)


def test_a_legitimate_run_is_unchanged_by_the_checks(mnist_digits):
    # The check is a step of the data set's pipeline; the weights (and the
    # sampler's draws they depend on) match Keras's own fit bit for bit.
    x = mnist_digits[:64, 10:18, 10:18]
    dataset = tf.data.Dataset.from_tensor_slices(x).batch(16)
    checked, plain = tiny_vae(), tiny_vae()
    checked.fit(dataset, epochs=2, verbose=0)
    keras.Model.fit(plain, dataset, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(checked.get_weights(), plain.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_the_gaussian_likelihood_takes_any_range_unless_binarized():
    x = np.full((2, 8, 8, 1), 255.0, "float32")
    assert tiny_vae(likelihood="gaussian").data_range is None
    assert tiny_vae(likelihood="gaussian").reconstruct(x).shape == x.shape
    binarized = tiny_vae(likelihood="gaussian", binarize=True)
    with pytest.raises(ValueError, match=r"for binarize=True, which draws each value as a probability"):
        binarized.fit(x, verbose=0)


def test_importance_sampled_nll_refuses_0_255_floats():
    model = tiny_vae()
    x = np.random.default_rng(0).integers(0, 256, (4, 8, 8, 1))
    x.flat[0], x.flat[-1] = 0, 255
    with pytest.raises(ValueError, match=r"Received: x with values in \[0\.0, 255\.0\]$"):
        evaluation.importance_sampled_nll(model, x.astype("float32"), k=2)
    # uint8 images are scaled to [0, 1] there, as its docstring says.
    assert np.isfinite(evaluation.importance_sampled_nll(model, x.astype("uint8"), k=2)["nll"])
