"""keras_ae.wrappers: the scikit-learn transformer around an encoder, in
pipelines and grid searches, with clone, pickle, and refused input."""

import pickle

import keras
import numpy as np
import pytest
import scipy.sparse
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import estimator_checks

import keras_ae
from keras_ae import datasets
from keras_ae.wrappers import SKLearnAutoencoder


@pytest.fixture(scope="module")
def digits():
    """512 training and 500 test digits of the embedded MNIST sample, uint8."""
    arrays = datasets.load_arrays("mnist_sample")
    return arrays.x_train[:512], arrays.y_train[:512], arrays.x_test[:500], arrays.y_test[:500]


@pytest.fixture(scope="module")
def conv_mnist():
    return keras_ae.from_preset("conv_mnist")


def flat(x):
    return x.reshape(len(x), -1)


def small_spec(**overrides):
    """A transformer that trains a small dense autoencoder in a second."""
    params = dict(family="dense", latent_dim=4, options={"units": (16,)}, epochs=2, batch_size=64)
    return SKLearnAutoencoder(**{**params, **overrides})


# === In scikit-learn ===


def test_probe_pipeline_on_a_preset_is_the_encoder_then_the_classifier(digits, conv_mnist):
    x, y, x_test, y_test = digits
    probe = make_pipeline(SKLearnAutoencoder(conv_mnist), LogisticRegression(max_iter=2000))
    probe.fit(flat(x), y)
    # The same classifier on codes computed by hand: the wrapper adds nothing.
    by_hand = LogisticRegression(max_iter=2000).fit(conv_mnist.encode(x / 255.0), y)
    expected = by_hand.predict(conv_mnist.encode(x_test / 255.0))
    np.testing.assert_array_equal(probe.predict(flat(x_test)), expected)
    assert probe.score(flat(x_test), y_test) > 0.5  # ten classes: chance is 0.1


def test_image_layouts_and_uint8_give_the_same_codes(digits, conv_mnist):
    x = digits[0][:64]
    ae = SKLearnAutoencoder(conv_mnist).fit(x)
    expected = conv_mnist.encode(x / 255.0)
    for layout in (x, flat(x), x[..., 0], x / 255.0, flat(x) / 255.0, list(flat(x) / 255.0)):
        np.testing.assert_allclose(ae.transform(layout), expected, rtol=1e-5, atol=1e-5)
    assert ae.transform(x).dtype == np.float32
    # Float pixels in 0-255 (as fetch_openml gives them) need the factor said.
    scaled = SKLearnAutoencoder(conv_mnist, rescale=1 / 255).fit(flat(x).astype("float64"))
    np.testing.assert_allclose(scaled.transform(flat(x).astype("float64")), expected, rtol=1e-5, atol=1e-5)
    assert scaled.inverse_transform(expected).max() > 100


def test_transform_is_the_posterior_mean_of_a_vae(digits):
    vae = keras_ae.from_preset("vae2d_mnist")
    x = flat(digits[0][:64])
    ae = SKLearnAutoencoder(vae).fit(x)
    codes = ae.transform(x)
    mean, log_var = vae.encode(x.reshape(-1, 28, 28, 1) / 255.0)
    np.testing.assert_allclose(codes, mean, rtol=1e-5, atol=1e-5)
    assert np.all(np.exp(log_var) > 0) and not np.allclose(log_var, 0.0)  # a real spread, left out
    np.testing.assert_array_equal(ae.transform(x), codes)  # no draw: the same twice


def test_inverse_transform_decodes_on_the_scale_and_layout_fit_saw(digits, conv_mnist):
    x = digits[0][:128]
    ae = SKLearnAutoencoder(conv_mnist).fit(flat(x))
    back = ae.inverse_transform(ae.transform(flat(x)))
    assert back.shape == (128, 784) and back.max() > 100  # pixels 0-255, as given
    own_error = np.mean(np.sum((back - flat(x)) ** 2, axis=1))
    mean_image_error = np.mean(np.sum((flat(x).mean(axis=0) - flat(x)) ** 2, axis=1))
    assert own_error < mean_image_error / 4
    images = SKLearnAutoencoder(conv_mnist).fit(x / 255.0)
    assert images.inverse_transform(images.transform(x)).shape == (128, 28, 28, 1)
    assert images.score(x) == pytest.approx(-own_error / 255.0**2, rel=1e-3)


def test_fit_on_a_pretrained_model_trains_only_with_refit(digits):
    model = keras_ae.from_preset("vae2d_mnist")
    before = [w.copy() for w in model.get_weights()]
    x = flat(digits[0][:256])
    assert SKLearnAutoencoder(model).fit(x).model_ is model
    refit = SKLearnAutoencoder(model, refit=True, epochs=1, batch_size=64).fit(x)
    for kept, now in zip(before, model.get_weights()):
        np.testing.assert_array_equal(kept, now)  # the caller's model as it was
    assert refit.model_ is not model and len(refit.history_["loss"]) == 1
    assert any(not np.array_equal(a, b) for a, b in zip(before, refit.model_.get_weights()))


def test_trains_a_family_spec_deterministically_from_its_seed(digits):
    x = flat(digits[0][:256]) / 255.0
    ae = small_spec().fit(x)
    assert ae.model_.family == "dense" and ae.model_.data_shape == (784,)
    assert ae.history_["loss"][-1] < ae.history_["loss"][0]
    assert ae.transform(x).shape == (256, 4) and ae.inverse_transform(ae.transform(x)).shape == (256, 784)
    np.testing.assert_allclose(small_spec().fit(x).transform(x), ae.transform(x), rtol=1e-4, atol=1e-4)
    assert not np.allclose(small_spec(seed=1).fit(x).transform(x), ae.transform(x), atol=1e-2)
    conv = small_spec(family="conv", input_shape=(28, 28, 1), options={"filters": (8,)}, epochs=1).fit(x)
    assert conv.model_.data_shape == (28, 28, 1) and conv.transform(x).shape == (256, 4)


def test_grid_search_picks_the_wider_code_by_reconstruction_score(digits):
    x = flat(digits[0][:256]) / 255.0
    search = GridSearchCV(small_spec(), {"latent_dim": [1, 16]}, cv=2).fit(x)
    assert search.best_params_ == {"latent_dim": 16}
    assert search.best_estimator_.transform(x).shape == (256, 16)


def test_clone_and_params_and_pickle(digits, conv_mnist):
    x, y = flat(digits[0][:128]), digits[1][:128]
    ae = SKLearnAutoencoder(conv_mnist, batch_size=32)
    assert ae.get_params()["model"] is conv_mnist and ae.get_params()["batch_size"] == 32
    probe = make_pipeline(ae, LogisticRegression(max_iter=500)).fit(x, y)
    copy = clone(probe)
    assert not hasattr(copy[0], "model_") and copy[0].get_params()["batch_size"] == 32
    copy.set_params(sklearnautoencoder__refit=True, sklearnautoencoder__epochs=2)
    assert copy[0].refit is True and copy[0].epochs == 2 and ae.refit is False
    restored = pickle.loads(pickle.dumps(probe))
    np.testing.assert_array_equal(restored.predict_proba(x), probe.predict_proba(x))
    unfitted = pickle.loads(pickle.dumps(SKLearnAutoencoder("conv_mnist", latent_dim=8)))
    assert unfitted.get_params()["model"] == "conv_mnist" and unfitted.latent_dim == 8


def test_feature_names_and_counts(digits, conv_mnist):
    x = flat(digits[0][:32])
    ae = SKLearnAutoencoder(conv_mnist).fit(x)
    assert ae.n_features_in_ == 784
    names = ae.get_feature_names_out()
    assert list(names) == [f"code{i}" for i in range(conv_mnist.latent_dim)]
    pipeline = make_pipeline(SKLearnAutoencoder(conv_mnist), StandardScaler()).set_output(transform="default").fit(x)
    assert list(pipeline.get_feature_names_out()) == list(names)
    with pytest.raises(ValueError, match="Received: input_features with 3 names"):
        ae.get_feature_names_out(["a", "b", "c"])


def test_loads_a_keras_file(tmp_path, digits):
    keras.utils.set_random_seed(0)
    model = keras_ae.Autoencoder(*keras_ae.blocks.dense_networks((28, 28, 1), 3, units=(16,)))
    model.save(tmp_path / "tiny.keras")
    x = flat(digits[0][:16])
    for handle in (tmp_path / "tiny.keras", str(tmp_path / "tiny.keras")):
        ae = SKLearnAutoencoder(handle).fit(x)
        np.testing.assert_allclose(ae.transform(x), model.encode(x.reshape(-1, 28, 28, 1) / 255.0), rtol=1e-5, atol=1e-6)


# === Refused ===


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.zeros((5, 100)), r"X has 100 features, but SKLearnAutoencoder is expecting 784 .* Received: X with shape \(5, 100\)"),
        (np.zeros((5, 28, 28, 3)), r"Received: X with shape \(5, 28, 28, 3\)"),
        (np.full((2, 784), np.nan), "finite values only"),
        (np.zeros((0, 784)), r"0 sample\(s\)"),
        (np.zeros(784), "Reshape your data"),
        (np.zeros((2, 784)) + 1j, "Complex data not supported"),
        (scipy.sparse.csr_matrix(np.zeros((2, 784))), "no sparse matrices"),
    ],
)
def test_bad_input_is_refused_by_fit_and_transform(digits, conv_mnist, bad, message):
    with pytest.raises(ValueError, match=message):
        SKLearnAutoencoder(conv_mnist).fit(bad)
    ae = SKLearnAutoencoder(conv_mnist).fit(digits[0][:4])
    with pytest.raises(ValueError, match=message):
        ae.transform(bad)


def test_bad_arguments_are_refused(digits, conv_mnist):
    x = flat(digits[0][:8])
    with pytest.raises(NotFittedError):
        SKLearnAutoencoder(conv_mnist).transform(x)
    fitted = SKLearnAutoencoder(conv_mnist).fit(x)
    with pytest.raises(ValueError, match=r"codes of shape \(n, 30\). Received: X with shape \(2, 5\)"):
        fitted.inverse_transform(np.zeros((2, 5)))
    cases = [
        (SKLearnAutoencoder(42), "Received: model of type int"),
        (SKLearnAutoencoder(), "Received: model=None, family=None"),
        (SKLearnAutoencoder("no_such_preset"), "no_such_preset"),
        (SKLearnAutoencoder(keras_ae.from_preset("cvae_mnist")), "takes labels"),
        (SKLearnAutoencoder(family="cvae"), "Received: family='cvae'"),
        (SKLearnAutoencoder(family="gan"), "Received: family='gan'"),
        (SKLearnAutoencoder(family="wavelet"), "Received: family='wavelet'"),
        (SKLearnAutoencoder(family="conv"), r"input_shape=\(28, 28, 1\). Received: X with shape \(8, 784\)"),
        (small_spec(options={"colour": 1}), "Unknown option 'colour'"),
        (small_spec(latent_dim=0), "Received: latent_dim=0"),
        (small_spec(epochs=-1), "Received: epochs=-1"),
        (SKLearnAutoencoder(conv_mnist, rescale=-1), "Received: rescale=-1"),
        (SKLearnAutoencoder(conv_mnist, batch_size=0), "Received: batch_size=0"),
    ]
    for estimator, message in cases:
        with pytest.raises(ValueError, match=message):
            estimator.fit(x).transform(x)


# === scikit-learn's own estimator checks ===


@pytest.mark.parametrize(
    "check",
    [
        estimator_checks.check_n_features_in_after_fitting,
        estimator_checks.check_estimators_empty_data_messages,
        estimator_checks.check_fit2d_predict1d,
        estimator_checks.check_dtype_object,
        estimator_checks.check_estimators_nan_inf,
        estimator_checks.check_dict_unchanged,
        estimator_checks.check_dont_overwrite_parameters,
        estimator_checks.check_get_params_invariance,
        estimator_checks.check_set_params,
        estimator_checks.check_transformer_preserve_dtypes,
    ],
    ids=lambda check: check.__name__,
)
def test_scikit_learn_estimator_checks(check):
    estimator = small_spec(latent_dim=2, epochs=1, batch_size=32, options={"units": (8,)})
    check(type(estimator).__name__, estimator)
