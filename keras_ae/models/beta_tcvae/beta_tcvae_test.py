import numpy as np
import pytest

import keras_ae
from keras_ae import losses
from tests.family_test_base import FamilyTest, posterior_draws

ESTIMATORS = ["mws", "mss"]


def reference_decomposition(z, mean, log_var, n, estimator):
    """MI, TC and dimension-wise KL per example in float64, the weights of
    q(z) written out entry by entry as Chen et al. give them."""
    b = len(z)
    pairwise = -0.5 * ((z[:, None] - mean[None]) ** 2 / np.exp(log_var[None]) + log_var[None] + np.log(2 * np.pi))
    if estimator == "mws":
        weights = np.full((b, b), 1.0 / (n * b))
    else:
        m = b - 1
        weights = np.full((b, b), 1.0 / m)
        for i in range(b):
            weights[i, i], weights[i, (i + 1) % b] = 1.0 / n, (n - m) / (n * m)
        np.testing.assert_allclose(weights.sum(axis=1), 1.0)
    log_qz = np.logaddexp.reduce(np.log(weights) + pairwise.sum(axis=2), axis=1)
    log_marginals = np.logaddexp.reduce(np.log(weights)[:, :, None] + pairwise, axis=1).sum(axis=1)
    log_qz_x = pairwise[np.arange(b), np.arange(b)].sum(axis=1)
    log_pz = (-0.5 * (z**2 + np.log(2 * np.pi))).sum(axis=1)
    return log_qz_x - log_qz, log_qz - log_marginals, log_marginals - log_pz, log_qz_x - log_pz


def posteriors(rng, batch=32, units=5, means=None, log_var_range=(-3, 0)):
    mean = rng.standard_normal((batch, units)) if means is None else means
    log_var = rng.uniform(*log_var_range, (batch, units))
    z = mean + np.exp(0.5 * log_var) * rng.standard_normal((batch, units))
    return z, mean, log_var


class TestBetaTCVAE(FamilyTest):
    family_cls = keras_ae.models.BetaTCVAE

    def make_model(self, **options):
        options = {"dataset_size": 512, "seed": 1, **options}
        return self.family_cls.from_spec(self.data_shape, 4, architecture="dense", architecture_options={"units": (64,)}, **options)

    # Each replica estimates q(z) from its own half of the global batch.
    two_replicas = "steps"

    def draws_model(self):
        # Binarized, so that the Bernoulli draws show beside eps.
        return self.make_model(binarize=True)

    draws = staticmethod(posterior_draws)

    @pytest.mark.parametrize("estimator", ESTIMATORS)
    def test_terms_match_the_paper_written_out(self, estimator):
        z, mean, log_var = posteriors(np.random.default_rng(0))
        got = losses.kl_decomposition(z, mean, log_var, 1000, estimator)
        *expected, single_draw_kl = reference_decomposition(z, mean, log_var, 1000, estimator)
        for a, b in zip(got, expected):
            np.testing.assert_allclose(a.numpy(), b, rtol=1e-4, atol=1e-3)
        np.testing.assert_allclose(sum(t.numpy() for t in got), single_draw_kl, rtol=1e-5, atol=1e-4)

    def test_one_posterior_for_every_example(self):
        # q(z|x) the same for every x: q(z) = q(z|x), factorized, so MI = TC = 0.
        # MSS finds exactly that; MWS adds its published constants.
        rng = np.random.default_rng(1)
        mean, log_var = np.tile(rng.standard_normal(5), (16, 1)), np.tile(rng.uniform(-1, 0, 5), (16, 1))
        z = mean + np.exp(0.5 * log_var) * rng.standard_normal((16, 5))
        kl = reference_decomposition(z, mean, log_var, 100, "mss")[-1]
        mi, tc, dwkl = (t.numpy() for t in losses.kl_decomposition(z, mean, log_var, 100, "mss"))
        np.testing.assert_allclose([mi, tc, dwkl], [0 * kl, 0 * kl, kl], atol=1e-4)
        mi, tc, dwkl = (t.numpy() for t in losses.kl_decomposition(z, mean, log_var, 100, "mws"))
        log_n = np.log(100)
        np.testing.assert_allclose([mi, tc, dwkl], [0 * kl + log_n, 0 * kl + 4 * log_n, kl - 5 * log_n], rtol=1e-5)

    def test_correlated_codes_have_more_total_correlation(self):
        rng = np.random.default_rng(2)
        shared = rng.standard_normal((256, 1))
        correlated = 0.95 * shared + np.sqrt(1 - 0.95**2) * rng.standard_normal((256, 2))
        tc = {name: losses.kl_decomposition(*posteriors(rng, 256, 2, means, (-4, -2)), 1000, "mss")[1].numpy().mean()
              for name, means in (("independent", rng.standard_normal((256, 2))), ("correlated", correlated))}
        # The means' correlation is 0.95^2, their TC -log(1 - 0.95^4) / 2 = 0.84
        # nats; the posteriors' spread lowers the codes' a little.
        assert abs(tc["independent"]) < 0.1 and tc["correlated"] > 0.4

    def test_unit_weights_give_the_vae_kl(self, mnist_digits):
        model = self.make_model(alpha=1.0, beta=1.0, gamma=1.0, estimator="mss")
        draws = [model.compute_terms(mnist_digits[:256], mnist_digits[:256])[1] for _ in range(20)]
        totals = [sum(t[name].numpy() for name in ("mi_loss", "tc_loss", "dwkl_loss")) for t in draws]
        # Each draw's sum is a single-draw estimate of the closed-form KL of
        # the same examples: within 4 standard errors of it over 20 draws.
        error = np.std(totals, ddof=1) / np.sqrt(len(totals))
        assert 0 < error and abs(np.mean(totals) - draws[0]["kl_divergence"].numpy()) < 4 * error
        # Halfway through the warm-up, each weight is half its value.
        model = self.make_model(alpha=2.0, beta=3.0, gamma=0.5, kl_warmup_steps=10)
        model.compile(optimizer="adam")
        model.optimizer.iterations.assign(5)
        _, terms = model.compute_terms(mnist_digits[:64], mnist_digits[:64])
        for name, raw, weight in [("mi_loss", "mutual_information", 1.0), ("tc_loss", "total_correlation", 1.5),
                                  ("dwkl_loss", "dimension_wise_kl", 0.25)]:
            np.testing.assert_allclose(terms[name].numpy(), weight * terms[raw].numpy(), rtol=1e-6)

    @pytest.mark.parametrize(
        "kwargs, name",
        [({"dataset_size": 0}, "dataset_size"), ({"alpha": -1.0}, "alpha"), ({"gamma": float("inf")}, "gamma"),
         ({"estimator": "iwae"}, "estimator")],
    )
    def test_bad_arguments(self, kwargs, name):
        with pytest.raises(ValueError, match=f"Received: {name}="):
            self.make_model(**kwargs)

    def test_training_needs_the_data_set_size(self, mnist_digits):
        model = self.make_model(dataset_size=None)
        assert model.reconstruct(mnist_digits[:2]).shape == (2, *self.data_shape)
        model.compile(optimizer="adam")
        with pytest.raises(ValueError, match="Received: dataset_size=None"):
            model.fit(mnist_digits[:8], verbose=0)
