import keras
import numpy as np
import pytest

import keras_ae
from keras_ae import patch_features


@pytest.fixture(scope="module")
def fitted(mnist_digits):
    """A whitening and a 12-unit 1-sparse autoencoder on 5x5 patches of real digits."""
    patches = patch_features.random_patches(mnist_digits, 5, 4000, seed=0)
    whitening = patch_features.PatchWhitening().fit(patches)
    keras.utils.set_random_seed(0)
    model = patch_features.patch_autoencoder(whitening.transform(patches), 12, top_k=1, seed=0)
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    model.fit(whitening.transform(patches), epochs=2, batch_size=128, verbose=0)
    return whitening, model.encoder, patches


def test_random_patches_are_cut_from_the_images():
    images = np.arange(2 * 6 * 7 * 2, dtype="float32").reshape(2, 6, 7, 2)
    patches = patch_features.random_patches(images, 3, 50, seed=1)
    assert patches.shape == (50, 18)
    windows = {images[n, r:r + 3, c:c + 3].tobytes() for n in range(2) for r in range(4) for c in range(5)}
    assert all(p.reshape(3, 3, 2).tobytes() in windows for p in patches)
    np.testing.assert_array_equal(patches, patch_features.random_patches(images, 3, 50, seed=1))


def test_whitening_is_zca(fitted):
    whitening, _, patches = fitted
    covariance = np.cov(whitening.transform(patches), rowvar=False)
    normalized = np.cov(patch_features.contrast_normalize(patches, 0.01), rowvar=False)
    # ZCA keeps the eigenvectors and maps each eigenvalue l to l / (l + eps):
    # unit variance along every direction the data has, none added elsewhere.
    np.testing.assert_allclose(covariance, normalized @ np.linalg.inv(normalized + 0.1 * np.eye(25)), atol=1e-4)
    eigenvalues = np.linalg.eigvalsh(covariance)
    assert eigenvalues.max() < 1 < np.linalg.eigvalsh(normalized).max()


def test_patch_autoencoder_starts_each_unit_on_a_patch(fitted):
    whitening, _, patches = fitted
    whitened = whitening.transform(patches)
    model = patch_features.patch_autoencoder(whitened, 30, top_k=1, seed=3)
    atoms = model.encoder.get_layer("code").get_weights()[0].T
    np.testing.assert_allclose(np.linalg.norm(atoms, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(atoms, model.decoder.get_layer("output").get_weights()[0])
    # Each unit starts on a distinct patch, which it wins: every unit gets gradient at once.
    directions = whitened / np.linalg.norm(whitened, axis=1, keepdims=True)
    cosine = atoms @ directions.T
    assert np.allclose(cosine.max(axis=1), 1.0, atol=1e-5)
    starts = whitened[np.argmax(cosine, axis=1)]
    np.testing.assert_array_equal(np.argmax(model.encode(starts), axis=1), np.arange(30))
    with pytest.raises(ValueError, match="Received: 1 distinct rows"):
        patch_features.patch_autoencoder(np.repeat(whitened[:1], 40, axis=0), 30)


def test_features_equal_the_patch_by_patch_computation(fitted, mnist_digits):
    whitening, encoder, _ = fitted
    extractor = patch_features.feature_extractor(encoder, whitening, (28, 28, 1), pool=3)
    features = extractor.predict(mnist_digits[:2], verbose=0)
    assert features.shape == (2, 9 * 12)
    kernel, bias = patch_features.code_layer(encoder).get_weights()
    image = mnist_digits[1]
    windows = np.stack([image[r:r + 5, c:c + 5].reshape(-1) for r in range(24) for c in range(24)])
    whitened = whitening.transform(windows)
    projection = whitened @ kernel + bias
    distance = np.sqrt(np.maximum((whitened ** 2).sum(axis=1, keepdims=True) - 2 * projection, 0))
    active = np.maximum(distance.mean(axis=1, keepdims=True) - distance, 0).reshape(24, 24, 12)
    expected = np.concatenate([active[r:r + 8, c:c + 8].mean(axis=(0, 1)) for r in (0, 8, 16) for c in (0, 8, 16)])
    np.testing.assert_allclose(features[1], expected, rtol=1e-4, atol=1e-5)


def test_extractor_saves_and_loads(fitted, mnist_digits, tmp_path):
    whitening, encoder, _ = fitted
    extractor = patch_features.feature_extractor(encoder, whitening, (28, 28, 1), pool=2)
    extractor.save(tmp_path / "features.keras")
    loaded = keras.saving.load_model(tmp_path / "features.keras")
    np.testing.assert_allclose(loaded.predict(mnist_digits[:4], verbose=0), extractor.predict(mnist_digits[:4], verbose=0))


def test_bad_arguments(fitted, mnist_digits):
    whitening, encoder, patches = fitted
    with pytest.raises(ValueError, match="Received: patch_size=29"):
        patch_features.random_patches(mnist_digits, 29, 10)
    with pytest.raises(ValueError, match=r"Received: images with shape \(512, 28, 28\)"):
        patch_features.random_patches(mnist_digits[..., 0], 5, 10)
    with pytest.raises(ValueError, match="Received: zca_eps=0"):
        patch_features.PatchWhitening(zca_eps=0)
    with pytest.raises(ValueError, match="not fitted"):
        patch_features.PatchWhitening().transform(patches)
    with pytest.raises(ValueError, match=r"Received: patches with shape \(4000, 24\)"):
        whitening.transform(patches[:, :24])
    with pytest.raises(ValueError, match=r"Received: image_shape=\(28, 28, 3\)"):
        patch_features.feature_extractor(encoder, whitening, (28, 28, 3))
    with pytest.raises(ValueError, match=r"at least patch_size \+ pool - 1 = 8"):
        patch_features.feature_extractor(encoder, whitening, (7, 7, 1), pool=4)
    with pytest.raises(ValueError, match=r"at least patch_size = 5 pixels"):
        patch_features.feature_extractor(encoder, whitening, (4, 9, 1), pool=None)
    deep, _ = keras_ae.blocks.dense_networks((25,), 4, units=(8,))
    with pytest.raises(ValueError, match="2 Dense layers"):
        patch_features.feature_extractor(deep, whitening, (28, 28, 1))


def test_map_and_grid_pooling_give_the_pooled_features(fitted, mnist_digits):
    whitening, encoder, _ = fitted
    first = patch_features.feature_extractor(encoder, whitening, (28, 28, 1), pool=None)
    maps = first.predict(mnist_digits[:3], verbose=0)
    assert maps.shape == (3, 24, 24, 12)
    pooled = patch_features.feature_extractor(encoder, whitening, (28, 28, 1), pool=3).predict(mnist_digits[:3], verbose=0)
    np.testing.assert_allclose(patch_features.GridPooling(3)(maps), pooled, rtol=1e-5, atol=1e-6)


def test_channel_pca_projects_on_the_leading_components(fitted, mnist_digits):
    whitening, encoder, _ = fitted
    maps = patch_features.feature_extractor(encoder, whitening, (28, 28, 1), pool=None).predict(mnist_digits[:20], verbose=0)
    dense = patch_features.channel_pca(maps, 4)
    vectors = maps.reshape(-1, 12).astype("float64")
    projected = np.asarray(dense(vectors.astype("float32")))
    np.testing.assert_allclose(projected.mean(axis=0), 0, atol=1e-4)
    # The components' variances are the covariance's four largest eigenvalues, in order.
    eigenvalues = np.sort(np.linalg.eigvalsh(np.cov(vectors, rowvar=False)))[::-1][:4]
    np.testing.assert_allclose(projected.var(axis=0), eigenvalues, rtol=1e-3)
    with pytest.raises(ValueError, match="Received: components=13"):
        patch_features.channel_pca(maps, 13)
    with pytest.raises(ValueError, match=r"Received: maps with shape \(20, 24, 24\)"):
        patch_features.channel_pca(maps[..., 0], 2)


def test_two_layer_extractor(fitted, mnist_digits, tmp_path):
    whitening, encoder, _ = fitted
    first = patch_features.feature_extractor(encoder, whitening, (28, 28, 1), pool=None)
    downsample = keras.layers.AveragePooling2D(2)
    pooled = keras.Sequential([first, downsample]).predict(mnist_digits[:200], verbose=0)
    pca = patch_features.channel_pca(pooled, 6)
    reduced = np.asarray(pca(pooled))
    assert reduced.shape == (200, 12, 12, 6)
    patches = patch_features.random_patches(reduced, 3, 3000, seed=0)
    second_whitening = patch_features.PatchWhitening().fit(patches)
    second = patch_features.patch_autoencoder(second_whitening.transform(patches), 10, seed=0)
    top = patch_features.feature_extractor(second.encoder, second_whitening, (12, 12, 6), pool=2)
    reduction = keras.Sequential([keras.Input((24, 24, 12)), downsample, pca])
    extractor = patch_features.two_layer_extractor(first, reduction, top, pool=3)
    features = extractor.predict(mnist_digits[:4], verbose=0)
    assert features.shape == (4, 9 * 12 + 4 * 10)
    first_pooled = patch_features.feature_extractor(encoder, whitening, (28, 28, 1), pool=3)
    np.testing.assert_allclose(features[:, :108], first_pooled.predict(mnist_digits[:4], verbose=0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(features[:, 108:], top.predict(reduced[:4], verbose=0), rtol=1e-4, atol=1e-5)
    extractor.save(tmp_path / "two.keras")
    loaded = keras.saving.load_model(tmp_path / "two.keras")
    np.testing.assert_allclose(loaded.predict(mnist_digits[:4], verbose=0), features, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match=r"must output an activation map"):
        patch_features.two_layer_extractor(first_pooled, reduction, top, pool=3)
    with pytest.raises(ValueError, match=r"GridPooling\(pool=5\)"):
        patch_features.GridPooling(5)(np.zeros((1, 4, 4, 2), "float32"))
