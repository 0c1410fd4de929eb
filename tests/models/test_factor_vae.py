import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

import keras_ae
from tests.family_test_base import FamilyTest

ROOT = Path(__file__).resolve().parents[2]

TWO_CPUS = """
import sys
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import numpy as np
import keras_ae
from keras_ae import datasets

x = datasets.load_arrays("mnist_sample").x_train[:96].astype("float32") / 255.0
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
"""


def run_on_two_replicas(script: str) -> None:
    """Runs `script` in a fresh process (devices are fixed when TensorFlow
    starts) after `TWO_CPUS`: 96 digits `x` and a MirroredStrategy over two
    logical CPUs, `strategy`."""
    result = subprocess.run([sys.executable, "-c", TWO_CPUS + script], cwd=ROOT, timeout=240, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]


def train_under(setting: str, make_model, digits) -> None:
    """One epoch with XLA (`"jit_compile"`) or under `"mixed_float16"`:
    every tracked value finite, every term float32."""
    policy = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("mixed_float16" if setting == "mixed_float16" else "float32")
    try:
        model = make_model()
        model.compile(optimizer="adam", jit_compile=setting == "jit_compile")
        history = model.fit(digits[:128], epochs=1, batch_size=64, verbose=0).history
        _, terms = model.compute_terms(digits[:8], digits[:8])
    finally:
        keras.mixed_precision.set_global_policy(policy)
    assert model.decoder.compute_dtype == ("float16" if setting == "mixed_float16" else "float32")
    assert all(np.isfinite(v[-1]) for v in history.values())
    assert {keras.backend.standardize_dtype(t.dtype) for t in terms.values()} == {"float32"}


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

    @pytest.mark.parametrize("setting", ["jit_compile", "mixed_float16"])
    def test_trains_under_xla_and_mixed_precision(self, mnist_digits, setting):
        train_under(setting, self.make_model, mnist_digits)

    def test_trains_on_two_replicas(self):
        # Both optimizers step once per global batch; every tracked value is finite.
        run_on_two_replicas("""
with strategy.scope():
    model = keras_ae.models.FactorVAE.from_spec((28, 28, 1), 4, architecture="dense", gamma=5.0,
                                                architecture_options={"units": (16,)}, discriminator_units=(16,))
    model.compile(optimizer="adam")
before = model.discriminator.get_weights()[0]
history = model.fit(tf.data.Dataset.from_tensor_slices(x).batch(32), epochs=1, verbose=0).history
moved = np.abs(model.discriminator.get_weights()[0] - before).max()
steps = (int(model.optimizer.iterations.numpy()), int(model.discriminator_optimizer.iterations.numpy()))
assert steps == (3, 3) and moved > 0 and all(np.isfinite(v[-1]) for v in history.values()), (steps, moved, history)
""")

    @pytest.mark.parametrize("kwargs, name", [({"gamma": -1.0}, "gamma"), ({"discriminator_units": (8, 0)}, "discriminator_units")])
    def test_bad_arguments(self, kwargs, name):
        with pytest.raises(ValueError, match=f"Received: {name}="):
            self.make_model(**kwargs)
