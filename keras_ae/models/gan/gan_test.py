import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_ae
from tests.family_test_base import TrainedFamilyTest


def make_gan(cls=keras_ae.GAN, **kwargs):
    keras.utils.set_random_seed(0)
    return cls.from_spec((28, 28, 1), latent_dim=8, filters=(8, 16), seed=1, **kwargs)


class TestGAN(TrainedFamilyTest):
    family_cls = keras_ae.GAN
    fit_examples, fit_epochs, fit_batch_size = 256, 2, 64

    def make_model(self):
        return make_gan(self.family_cls)

    def outputs(self, model, x):
        z = np.random.default_rng(0).standard_normal((len(x), model.latent_dim)).astype("float32")
        return model.decode(z, *self.inputs(x)[1:])

    def assert_trained(self, model, before, after, history):
        assert set(history) == {"d_loss", "g_loss", "d_real", "d_fake"}
        assert 0 < after["d_real"] < 1 and 0 < after["d_fake"] < 1

    # The codes of a step (tests/test_distribute.py).
    draws = staticmethod(lambda model, x, y: {"codes": model.prior_noise(x)})


class TestConditionalGAN(TestGAN):
    family_cls = keras_ae.ConditionalGAN

    def inputs(self, x):
        return (x, np.arange(len(x)) % 10)


def test_conditional_generation_and_bad_labels(mnist_digits):
    cgan = make_gan(keras_ae.ConditionalGAN, num_classes=10)
    assert cgan.generate([0, 7, 7], seed=0).shape == (3, 28, 28, 1)
    assert cgan.sample(12, seed=0).shape == (12, 28, 28, 1)
    with pytest.raises(ValueError, match="containing 10"):
        cgan.generate([10])
    cgan.compile()
    with pytest.raises(ValueError, match="one label per example \\(8\\)"):
        cgan.fit(mnist_digits[:8], np.arange(5), verbose=0)


def test_bad_input_and_compile():
    gan = make_gan()
    with pytest.raises(ValueError, match="Received: n=0"):
        gan.sample(0)
    with pytest.raises(ValueError, match="Received: z with shape"):
        gan.decode(np.zeros((2, 9)))
    with pytest.raises(ValueError, match="Received: loss='mse'"):
        gan.compile(loss="mse")
    with pytest.raises(ValueError, match="Received: x with shape"):
        gan.fit(np.zeros((4, 28, 28, 3)), verbose=0)
    assert gan.interpolate(np.zeros(8), np.ones(8), steps=4, method="slerp").shape == (4, 28, 28, 1)


def test_bad_sample_count_codes_and_interpolation():
    gan = make_gan()
    with pytest.raises(ValueError, match="Received: n=0"):
        gan.sample(0)
    with pytest.raises(ValueError, match="Received: z with shape"):
        gan.decode(np.zeros((2, 9)))
    assert gan.interpolate(np.zeros(8), np.ones(8), steps=4, method="slerp").shape == (4, 28, 28, 1)


@pytest.fixture(scope="module")
def gan_run(tmp_path_factory):
    from keras_ae import cli

    out = tmp_path_factory.mktemp("gan") / "run"
    argv = ["train", "gan", "--epochs", "2", "--latent-dim", "2", "--option", "filters=(8,16)", "--out", str(out)]
    assert cli.main(argv) == 0
    return out


def test_cli_trains_a_gan_with_its_pictures(gan_run):
    import json

    assert sorted(p.name for p in gan_run.iterdir()) == [
        "history.json", "metrics.json", "model.keras", "progress.png", "samples.png"]
    metrics = json.loads((gan_run / "metrics.json").read_text())
    assert metrics["learning_rate"] == 2e-4 and set(metrics["test"]) == {"d_loss", "g_loss", "d_real", "d_fake"}
    history = json.loads((gan_run / "history.json").read_text())
    assert len(history["d_loss"]) == 2 and metrics["test"]["d_loss"] == history["val_d_loss"][-1]
    assert type(keras.saving.load_model(gan_run / "model.keras")) is keras_ae.GAN


def test_progress_rows_are_the_fixed_codes_after_each_epoch(mnist_digits):
    from keras_ae.callbacks import GenerationProgress

    gan = make_gan()
    gan.compile()
    progress = GenerationProgress(n=4, seed=3)
    gan.fit(mnist_digits[:64], epochs=2, batch_size=32, verbose=0, callbacks=[progress])
    assert progress.images.shape == (2, 4, 28, 28, 1)
    np.testing.assert_allclose(progress.images[-1], gan.decode(keras_ae.latent.prior_codes(4, (8,), seed=3)), atol=1e-6)
    assert not np.allclose(progress.images[0], progress.images[1])


@pytest.mark.parametrize("kind", ["samples", "manifold", "interpolation"])
def test_plot_draws_a_gan(gan_run, tmp_path, kind):
    from keras_ae import cli

    out = tmp_path / f"{kind}.png"
    assert cli.main(["plot", kind, str(gan_run / "model.keras"), "--out", str(out), "--n", "4"]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("argv", [["plot", "reconstructions"], ["plot", "scatter"], ["evaluate"]])
def test_a_gan_has_no_reconstructions(gan_run, argv, capsys):
    from keras_ae import cli

    assert cli.main([*argv, str(gan_run / "model.keras")]) == 2
    err = capsys.readouterr().err
    assert "Received:" in err and len(err.strip().splitlines()) == 1


def test_real_images_outside_the_generators_range_are_an_error(mnist_digits):
    # A sigmoid generator cannot reach 0-255 pixels: the discriminator
    # would win on the range alone, and fit would report numbers anyway.
    gan = make_gan()
    gan.compile()
    weights = gan.get_weights()
    x = np.round(mnist_digits[:8] * 255)
    expected = (
        r"^`x` must hold values in \[0, 1\] for the generator's sigmoid output; divide 8-bit images by 255\. "
        r"Received: x with values in \[0\.0, 255\.0\]{}$"
    )
    dataset = tf.data.Dataset.from_tensor_slices(x).batch(8)
    for call, where in [
        (lambda: gan.fit(x, verbose=0), ""),
        (lambda: gan.fit(x.astype("uint8"), verbose=0), ""),
        (lambda: gan.evaluate(x, verbose=0), ""),
        (lambda: gan.fit(dataset, verbose=0), r" \(a batch of the data set given as `x`\)"),
    ]:
        with pytest.raises(ValueError, match=expected.format(where)):
            call()
    for before, after in zip(weights, gan.get_weights()):
        np.testing.assert_array_equal(before, after)


def test_the_generators_output_sets_the_range():
    def gan_with(activation):
        generator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(4, activation=activation)])
        discriminator = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
        return keras_ae.GAN(generator, discriminator)

    tanh = gan_with("tanh")
    tanh.compile()
    assert tanh.evaluate(np.full((2, 4), -1.0, "float32"), verbose=0)
    with pytest.raises(ValueError, match=r"in \[-1, 1\] for the generator's tanh output; scale 8-bit images with "
                                         r"x / 127\.5 - 1\. Received: x with values in \[0\.0, 255\.0\]$"):
        tanh.fit(np.array([[0.0, 1.0, 2.0, 255.0]], "float32"), verbose=0)
    assert gan_with(None).data_range is None


def test_conditional_gan_refuses_out_of_range_labels(mnist_digits):
    cgan = make_gan(keras_ae.ConditionalGAN, num_classes=10)
    cgan.compile()
    x, labels = mnist_digits[:4], np.array([0, 1, -1, 3])
    dataset = tf.data.Dataset.from_tensor_slices((x, labels)).batch(4)
    for call, name, where in [
        (lambda: cgan.fit(x, labels, verbose=0), "y", ""),
        (lambda: cgan.evaluate(x, labels, verbose=0), "y", ""),
        (lambda: cgan.fit(dataset, verbose=0), "labels", r" \(a batch of the data set given as `x`\)"),
        (lambda: cgan.evaluate(dataset, verbose=0), "labels", r" \(a batch of the data set given as `x`\)"),
        (lambda: cgan.predict((np.zeros((4, 8), "float32"), labels), verbose=0), "labels", ""),
        (lambda: cgan.generate(labels), "labels", ""),
    ]:
        with pytest.raises(ValueError, match=rf"^`{name}` must be class ids in \[0, 10\)\. Received: {name} containing -1{where}$"):
            call()
