import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_ae
from keras_ae.models.image_to_image.image_to_image_layers import PoolingSwitches, Unpool
from tests.family_test_base import FamilyTest


class TestImageToImage(FamilyTest):
    family_cls = keras_ae.ImageToImage

    def make_model(self):
        # Not residual: a residual model starts out reproducing clean
        # inputs, which leaves the shared test no loss to bring down.
        return keras_ae.ImageToImage((None, None, 1), latent_dim=16, filters=(8, 16), noise_level=(0.05, 0.3),
                                     residual=False, seed=0)

    # Each replica corrupts its own half of the batch.
    two_replicas = "steps"
    draws = staticmethod(lambda model, x, y: {"corrupted": model.corrupt(x, training=True)})

    def test_residual_model_learns_pairs(self, mnist_digits):
        keras.utils.set_random_seed(0)
        model = keras_ae.ImageToImage((None, None, 1), latent_dim=16, filters=(8, 16), seed=0)
        model.compile(optimizer=keras.optimizers.Adam(1e-3))
        noisy = mnist_digits + 0.3 * np.random.default_rng(0).standard_normal(mnist_digits.shape).astype("float32")
        before = model.evaluate(noisy, mnist_digits, verbose=0, return_dict=True)["loss"]
        model.fit(noisy, mnist_digits, epochs=3, batch_size=32, verbose=0)
        assert model.evaluate(noisy, mnist_digits, verbose=0, return_dict=True)["loss"] < 0.5 * before

    def test_encode_decode_shapes(self):
        model = self.make_model()
        x = np.random.default_rng(0).random((3, 28, 28, 1), dtype="float32")
        outputs = model.encode(x)
        # The bottleneck at a quarter of the size, each level's features, the image.
        assert [o.shape for o in outputs] == [(3, 7, 7, 16), (3, 28, 28, 8), (3, 14, 14, 16), (3, 28, 28, 1)]
        np.testing.assert_allclose(model.decode(outputs), model.reconstruct(x), atol=1e-6)


@pytest.mark.parametrize("style", ["unet", "segnet", "plain"])
@pytest.mark.parametrize("channels", [1, 3])
def test_any_image_size_round_trips_and_exports(style, channels, tmp_path):
    model = keras_ae.ImageToImage((None, None, channels), latent_dim=8, filters=(4, 8), style=style, seed=0)
    side = model.receptive_field
    image = np.random.default_rng(0).random((side + 3, side + 10, channels), dtype="float32")
    restored = model.restore(image)
    assert restored.shape == image.shape and restored.min() >= 0 and restored.max() <= 1
    path = tmp_path / "model.keras"
    model.save(path)
    np.testing.assert_array_equal(keras.saving.load_model(path).restore(image), restored)
    if channels == 3:
        return  # one export per style is enough
    from keras_ae import export

    exported = export.export_model(model, tmp_path / "serving", format="saved_model")
    signature = tf.saved_model.load(str(exported)).signatures["serving_default"]
    served = signature(x=tf.constant(image[None]))["reconstruction"].numpy()[0]
    np.testing.assert_allclose(np.clip(served, 0, 1), restored, atol=1e-5)
    with pytest.raises(ValueError, match="Received: part='encoder'"):
        export.export_model(model, tmp_path / "encoder", format="saved_model", part="encoder")


def test_receptive_field_bounds_what_an_output_pixel_sees():
    model = keras_ae.ImageToImage((None, None, 1), latent_dim=8, filters=(4, 8), blocks=2, seed=1)
    side = 2 * model.receptive_field + 1
    centre = side // 2
    image = np.random.default_rng(0).random((1, side, side, 1), dtype="float32")
    changed = image.copy()
    reach = model.receptive_field // 2
    outside = np.ones_like(image, dtype=bool)
    outside[:, centre - reach - 1: centre + reach + 2, centre - reach - 1: centre + reach + 2] = False
    changed[outside] = 1.0 - changed[outside]
    pixel = [model.predict(a, verbose=0)[0, centre, centre, 0] for a in (image, changed)]
    assert pixel[0] == pytest.approx(pixel[1], abs=1e-6)
    # ... and it sees its neighbourhood.
    nearby = image.copy()
    nearby[0, centre - 2: centre + 3, centre - 2: centre + 3] += 0.5
    assert model.predict(nearby, verbose=0)[0, centre, centre, 0] != pytest.approx(pixel[0], abs=1e-6)


@pytest.mark.parametrize("style", ["unet", "segnet", "plain"])
@pytest.mark.parametrize("filters, blocks, kernel_size", [((4, 8), 2, 3), ((4,), 1, 5), ((4, 8, 8), 1, 3)])
def test_receptive_field_is_the_widest_window_an_output_pixel_reads(style, filters, blocks, kernel_size):
    """Measured by the input gradient of one output pixel (its nonzero
    columns, pooled over random images since max pooling passes one pixel
    per block), at every placement on the pooling grids."""
    model = keras_ae.ImageToImage((None, None, 1), latent_dim=8, filters=filters, blocks=blocks,
                                  kernel_size=kernel_size, style=style, seed=1)
    side = 2 * model.receptive_field + 16
    rng = np.random.default_rng(0)
    widest = 0
    for offset in range(2 ** len(filters)):
        centre = side // 2 + offset
        seen = np.zeros(side, dtype=bool)
        for _ in range(6):
            x = tf.constant(rng.random((1, side, side, 1), dtype="float32"))
            with tf.GradientTape() as tape:
                tape.watch(x)
                pixel = model(x, training=False)[0, centre, centre, 0]
            seen |= (tape.gradient(pixel, x).numpy()[0, :, :, 0] != 0).any(axis=0)
        columns = np.flatnonzero(seen)
        widest = max(widest, columns[-1] - columns[0] + 1)
    assert model.receptive_field == widest


def test_segnet_switches_unpool_as_max_pool_indices_do():
    x = tf.random.stateless_normal((2, 6, 8, 3), seed=(1, 2))
    pooled, switches = PoolingSwitches()(x)
    values, argmax = tf.nn.max_pool_with_argmax(x, 2, 2, "VALID", include_batch_in_index=True)
    np.testing.assert_array_equal(pooled, values)
    expected = tf.reshape(tf.scatter_nd(tf.reshape(argmax, (-1, 1)), tf.reshape(values, (-1,)), (tf.size(x, tf.int64),)),
                          x.shape)
    np.testing.assert_array_equal(Unpool()([pooled, switches]), expected)


def test_blind_noise_draws_one_level_per_example():
    model = keras_ae.ImageToImage((None, None, 1), latent_dim=8, filters=(4,), noise_level=(0.05, 0.5), seed=0)
    x = np.full((64, 32, 32, 1), 0.5, dtype="float32")
    noise = np.asarray(model.corrupt(x, training=True)) - x
    stds = noise.reshape(64, -1).std(axis=1)
    assert stds.min() > 0.04 and stds.max() < 0.53 and stds.std() > 0.08
    np.testing.assert_array_equal(model.corrupt(x, training=False), x)


def test_restore_refuses_bad_images():
    model = keras_ae.ImageToImage((None, None, 1), latent_dim=8, filters=(4, 8), seed=0)
    small = model.receptive_field - 1
    with pytest.raises(ValueError, match=f"receptive field.*Received: image with shape \\({small}, 60, 1\\)"):
        model.restore(np.zeros((small, 60, 1), "float32"))
    with pytest.raises(ValueError, match=r"`image`.*Received: image with shape \(1, 60, 60, 3\)"):
        model.restore(np.zeros((60, 60, 3), "float32"))
    with pytest.raises(ValueError, match="Received: style='vgg'"):
        keras_ae.ImageToImage((None, None, 1), style="vgg")
    with pytest.raises(ValueError, match="Received: input_shape=\\(None, None, 0\\)"):
        keras_ae.ImageToImage((None, None, 0))
