import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

import keras_ae
from tests.family_test_base import FamilyTest, posterior_draws

ROOT = Path(__file__).resolve().parents[2]

# One device against MirroredStrategy over two logical CPUs, 3 SGD steps on
# the same global batches: 4 blank images (KL = 0 at the start) then 4
# digits, so the replicas' batch KLs fall on both sides of C at the third
# step (C = 0.75 KL of the global batch's digits). eps is a fixed function
# of each example, so that splitting the batch cannot change the draws.
TWO_REPLICAS = """
import sys
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import keras, numpy as np
from keras import ops
import keras_ae
from keras_ae import datasets, layers, losses

layers.GaussianSampler.call = lambda self, inputs: inputs[0] + ops.exp(0.5 * inputs[1]) * ops.sin(13.0 * inputs[0] + 1.0)
digits = datasets.load_arrays("mnist_sample").x_train[:4].astype("float32") / 255.0
batch = np.concatenate([np.zeros_like(digits), digits])

def make(capacity_max):
    keras.utils.set_random_seed(0)
    model = keras_ae.BetaVAE.from_spec((28, 28, 1), 4, architecture="dense", architecture_options={"units": (16,)},
                                       capacity_max=capacity_max, capacity_steps=4, gamma=10.0)
    model.compile(optimizer=keras.optimizers.SGD(1e-3))
    return model

kl = float(np.mean(losses.gaussian_kl(*make(1.0).encode(digits))))
results = {"initial": [w.numpy() for w in make(1.0).weights]}
for name, strategy in (("one", tf.distribute.OneDeviceStrategy("/cpu:0")),
                       ("two", tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]))):
    with strategy.scope():
        model = make(1.5 * kl)
    model.fit(tf.data.Dataset.from_tensors(batch).repeat(3), epochs=1, verbose=0)
    results[name] = [w.numpy() for w in model.weights]
    results[name + "_steps"] = int(model.step_counter.numpy())
np.savez(sys.argv[1], **{k: np.array(v, dtype=object) for k, v in results.items()})
"""


class TestBetaVAE(FamilyTest):
    family_cls = keras_ae.BetaVAE

    def make_model(self, **options):
        return keras_ae.BetaVAE.from_spec(
            self.data_shape, 4, architecture="dense", architecture_options={"units": (64,)},
            capacity_max=10.0, capacity_steps=50, gamma=10.0, seed=1, **options,
        )

    def draws_model(self):
        # Binarized, so that the Bernoulli draws show beside eps.
        return self.make_model(binarize=True)

    draws = staticmethod(posterior_draws)

    def test_capacity_objective(self, mnist_digits):
        model = self.make_model()
        model.compile(optimizer="adam")
        x = mnist_digits[:32]
        for step, capacity in [(0, 0.0), (25, 5.0), (50, 10.0), (90, 10.0)]:
            model.step_counter.assign(step)
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

    def test_capacity_clock_survives_saving_and_a_new_optimizer(self, mnist_digits, tmp_path):
        model = self.compiled_model()
        model.fit(mnist_digits[:64], epochs=1, batch_size=32, verbose=0)
        assert int(model.step_counter) == 2 and float(model.capacity()) == pytest.approx(10.0 * 2 / 50)
        model.save(tmp_path / "model.keras")
        model.save_weights(tmp_path / "model.weights.h5")
        loaded = keras.saving.load_model(tmp_path / "model.keras")
        assert int(loaded.step_counter) == 2
        # Fine-tuning with a fresh optimizer goes on from C(2), not from 0.
        loaded.compile(optimizer=keras.optimizers.Adam(1e-4))
        assert int(loaded.optimizer.iterations) == 0 and float(loaded.capacity()) == pytest.approx(0.4)
        loaded.fit(mnist_digits[:96], epochs=1, batch_size=32, verbose=0)
        assert int(loaded.step_counter) == 5 and float(loaded.capacity()) == pytest.approx(1.0)
        # A resumed run (keras_ae.distribute.Backup) restores it from the weights file.
        fresh = self.make_model()
        fresh.load_weights(tmp_path / "model.weights.h5")
        assert int(fresh.step_counter) == 2

    def test_two_replicas_take_the_one_device_steps(self, tmp_path):
        out = tmp_path / "parity.npz"
        subprocess.run([sys.executable, "-c", TWO_REPLICAS, str(out)], cwd=ROOT, check=True, timeout=240,
                       capture_output=True)
        data = np.load(out, allow_pickle=True)
        assert int(data["one_steps"]) == int(data["two_steps"]) == 3
        moved = max(np.abs(a - b).max() for a, b in zip(data["one"], data["initial"]))
        assert moved > 1e-3
        for one, two in zip(data["one"], data["two"]):
            np.testing.assert_allclose(one, two, rtol=0, atol=1e-5)


# Burgess et al.'s dSprites networks: 4 convolutions 4x4 stride 2, a dense 256, 10 latents.
BURGESS = {"filters": (32, 32, 64, 64), "kernel_size": 4, "dense_units": (256,)}


@pytest.mark.parametrize(
    "cls, options",
    [(keras_ae.BetaVAE, {"capacity_max": 25.0, "capacity_steps": 100_000, "gamma": 1000.0}),
     (keras_ae.models.BetaTCVAE, {"dataset_size": 64}), (keras_ae.models.FactorVAE, {})],
)
def test_disentangling_families_learn_binary_64x64_shapes(cls, options):
    """Each disentangling family on the Burgess et al. networks with the
    Bernoulli likelihood, on 64x64 binary images of squares."""
    rng = np.random.default_rng(0)
    images = np.zeros((64, 64, 64, 1), "float32")
    for image, (row, col), side in zip(images, rng.integers(0, 48, (64, 2)), rng.integers(8, 16, 64)):
        image[row:row + side, col:col + side] = 1.0
    keras.utils.set_random_seed(0)
    model = cls.from_spec((64, 64, 1), 10, architecture_options=BURGESS, **options)
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    before = model.evaluate(images, batch_size=64, verbose=0, return_dict=True)["reconstruction_loss"]
    model.fit(images, epochs=2, batch_size=16, verbose=0)
    after = model.evaluate(images, batch_size=64, verbose=0, return_dict=True)["reconstruction_loss"]
    assert model.likelihood == "bernoulli" and after < 0.8 * before
