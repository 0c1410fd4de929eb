import numpy as np
import pytest

import keras_ae
from tests.family_test_base import FamilyTest


class TestBetaVAE(FamilyTest):
    family_cls = keras_ae.BetaVAE

    def make_model(self):
        return keras_ae.BetaVAE.from_spec(
            self.data_shape, 4, architecture="dense", architecture_options={"units": (64,)},
            capacity_max=10.0, capacity_steps=50, gamma=10.0, seed=1,
        )

    def test_capacity_objective(self, mnist_digits):
        model = self.make_model()
        model.compile(optimizer="adam")
        x = mnist_digits[:32]
        for step, capacity in [(0, 0.0), (25, 5.0), (50, 10.0), (90, 10.0)]:
            model.optimizer.iterations.assign(step)
            _, terms = model.compute_terms(x, x)
            kl = terms["kl_divergence"].numpy()
            np.testing.assert_allclose(terms["kl_loss"].numpy(), 10.0 * abs(kl - capacity), rtol=1e-5)

    def test_beta_weights_the_kl(self, mnist_digits):
        model = keras_ae.BetaVAE.from_spec(self.data_shape, 4, architecture="dense", beta=6.0)
        _, terms = model.compute_terms(mnist_digits[:32], mnist_digits[:32])
        np.testing.assert_allclose(terms["kl_loss"].numpy(), 6.0 * terms["kl_divergence"].numpy(), rtol=1e-6)

    @pytest.mark.parametrize(
        "kwargs, name",
        [({"beta": -0.5}, "beta"), ({"capacity_max": -1.0}, "capacity_max"), ({"capacity_steps": 0}, "capacity_steps"),
         ({"gamma": float("nan")}, "gamma")],
    )
    def test_bad_arguments(self, kwargs, name):
        with pytest.raises(ValueError, match=f"Received: {name}="):
            keras_ae.BetaVAE.from_spec(self.data_shape, 4, architecture="dense", **kwargs)
