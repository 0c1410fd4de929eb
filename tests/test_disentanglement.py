"""Tests of keras_ae.disentanglement: every metric on synthetic codes with known
answers (disentangled, noise, informative but mixed), on dSprites, and its errors."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from scipy.linalg import hadamard
from sklearn.metrics import mutual_info_score

from keras_ae import disentanglement as dis
from keras_ae.datasets.dsprites import DSprites, GroundTruthData

SIZES = (3, 4, 5, 6)
CHANCE = 1 / len(SIZES)
MEAN_CLASS_CHANCE = float(np.mean([1 / s for s in SIZES]))


class FactorsAsObservations(GroundTruthData):
    """Ground-truth data whose observation is the row of factor classes itself."""

    def observations_from_factors(self, factors):
        return self.check_factors(factors).astype("float64")


def standardised(x: np.ndarray, sizes) -> np.ndarray:
    n = np.asarray(sizes, dtype="float64")
    return (x - (n - 1) / 2) / np.sqrt((n**2 - 1) / 12)


def representations(sizes) -> dict:
    """The three synthetic cases: each factor in its own unit (shuffled and
    rescaled), independent noise, and every unit an equal mix of all factors."""
    noise = np.random.default_rng(99)
    order = np.roll(np.arange(len(sizes)), 1)
    scales = np.linspace(-3, 2, len(sizes)) + 0.25
    mix = hadamard(len(sizes)) / np.sqrt(len(sizes))
    return {
        "disentangled": lambda x: standardised(x, sizes)[:, order] * scales + 7.0,
        "noise": lambda x: noise.normal(size=(len(x), len(sizes))),
        "entangled": lambda x: standardised(x, sizes) @ mix,
    }


def all_scores(data, representation_fn, counts: dict) -> dict:
    scores = {
        "beta_vae": dis.beta_vae_score(data, representation_fn, 0, num_train=counts["train"], num_eval=counts["eval"])[
            "eval_accuracy"
        ],
        "factor_vae": dis.factor_vae_score(
            data, representation_fn, 1, num_train=counts["train"], num_eval=counts["eval"],
            num_variance_estimate=counts["codes"],
        )["eval_accuracy"],
    }
    codes, factors = dis.sample_codes(data, representation_fn, counts["codes"], 2)
    test_codes, test_factors = dis.sample_codes(data, representation_fn, counts["test"], 3)
    scores["mig"] = dis.mig(codes, factors)["mig"]
    n = counts["dci_train"]
    result = dis.dci(codes[:n], factors[:n], test_codes, test_factors, n_estimators=counts.get("stages", 100))
    scores.update({key: result[key] for key in ("disentanglement", "completeness", "informativeness_test")})
    scores["sap"] = dis.sap(codes, factors, test_codes, test_factors)["sap"]
    return scores


@pytest.fixture(scope="module")
def synthetic_scores() -> dict:
    data = FactorsAsObservations(("a", "b", "c", "d"), SIZES)
    counts = {"train": 400, "eval": 300, "codes": 2000, "test": 1000, "dci_train": 500}
    return {name: all_scores(data, fn, counts) for name, fn in representations(SIZES).items()}


# === Known answers ===


def test_disentangled_codes_score_near_one(synthetic_scores):
    s = synthetic_scores["disentangled"]
    assert s["beta_vae"] >= 0.99 and s["factor_vae"] >= 0.99
    assert s["mig"] >= 0.95
    assert s["disentanglement"] >= 0.95 and s["completeness"] >= 0.95 and s["informativeness_test"] >= 0.99
    # SAP's one-unit linear classifiers cannot name every class of a factor,
    # so its ceiling is below 1; it stays far above the other two cases.
    assert s["sap"] > 5 * max(synthetic_scores["noise"]["sap"], synthetic_scores["entangled"]["sap"], 0.01)


def test_noise_scores_chance(synthetic_scores):
    s = synthetic_scores["noise"]
    assert abs(s["beta_vae"] - CHANCE) < 0.1 and abs(s["factor_vae"] - CHANCE) < 0.1
    assert s["mig"] < 0.03
    assert s["disentanglement"] < 0.1 and s["completeness"] < 0.1
    assert s["informativeness_test"] < MEAN_CLASS_CHANCE + 0.08
    assert s["sap"] < 0.04


def test_informative_but_entangled_codes_score_low_on_disentanglement(synthetic_scores):
    s = synthetic_scores["entangled"]
    assert s["informativeness_test"] > MEAN_CLASS_CHANCE + 0.3
    assert s["mig"] < 0.05 and s["sap"] < 0.04
    assert s["disentanglement"] < 0.1 and s["completeness"] < 0.1
    assert s["beta_vae"] < CHANCE + 0.12 and s["factor_vae"] < CHANCE + 0.12


def test_sap_reaches_its_ceiling_on_binary_factors():
    """With two classes a unit that is the factor is always right and any
    other unit is right half the time: SAP near 1 - 1/2."""
    data = FactorsAsObservations(("a", "b", "c"), (2, 2, 2))
    codes, factors = dis.sample_codes(data, lambda x: x, 1000, 0)
    test_codes, test_factors = dis.sample_codes(data, lambda x: x, 1000, 1)
    result = dis.sap(codes, factors, test_codes, test_factors)
    np.testing.assert_allclose(np.diag(result["score_matrix"]), 1.0)
    assert 0.44 < result["sap"] < 0.56


def test_factor_vae_prunes_collapsed_units():
    data = FactorsAsObservations(("a", "b"), (4, 5))
    with_dead_units = lambda x: np.concatenate([x, np.zeros((len(x), 2)), 0.01 * x[:, :1]], axis=1)  # noqa: E731
    result = dis.factor_vae_score(data, with_dead_units, 0, num_train=100, num_eval=50, num_variance_estimate=500)
    assert result["num_active_dims"] == 2 and result["eval_accuracy"] == 1.0
    collapsed = dis.factor_vae_score(data, lambda x: np.zeros_like(x), 0, num_train=10, num_eval=10,
                                     num_variance_estimate=50)
    assert collapsed == {"train_accuracy": 0.0, "eval_accuracy": 0.0, "num_active_dims": 0}


def test_mutual_information_is_sklearns_and_discretize_uses_every_bin():
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 7, 500), rng.integers(0, 4, 500)
    b[:250] = a[:250] % 4
    assert dis.mutual_information(a, b) == pytest.approx(mutual_info_score(a, b), rel=1e-12)
    binned = dis.discretize(rng.normal(size=(1000, 3)), num_bins=20)
    assert binned.min() == 1 and binned.max() == 20


def test_scores_repeat_with_the_same_seed():
    data = FactorsAsObservations(("a", "b"), (3, 4))
    fn = lambda x: x + np.sin(x)  # noqa: E731
    kwargs = dict(num_train=50, num_eval=30)
    assert dis.beta_vae_score(data, fn, 5, **kwargs) == dis.beta_vae_score(data, fn, 5, **kwargs)
    assert dis.factor_vae_score(data, fn, 5, num_variance_estimate=100, **kwargs) == dis.factor_vae_score(
        data, fn, 5, num_variance_estimate=100, **kwargs
    )


def test_defaults_are_disentanglement_libs():
    assert dis.DEFAULTS == {
        "beta_vae": {"batch_size": 64, "num_train": 10_000, "num_eval": 5_000},
        "factor_vae": {"batch_size": 64, "num_train": 10_000, "num_eval": 5_000, "num_variance_estimate": 10_000,
                       "prune_threshold": 0.05},
        "mig": {"num_train": 10_000, "num_bins": 20},
        "dci": {"num_train": 10_000, "num_test": 5_000},
        "sap": {"num_train": 10_000, "num_test": 5_000},
    }
    for function, name in ((dis.beta_vae_score, "beta_vae"), (dis.factor_vae_score, "factor_vae"), (dis.mig, "mig")):
        parameters = inspect.signature(function).parameters
        for key, value in dis.DEFAULTS[name].items():
            if key in parameters:
                assert parameters[key].default == value, (name, key)


# === dSprites ===


class RecordingDSprites(DSprites):
    """dSprites remembering the factor values of every image it draws, so a
    representation can return the true values of an image from its pixels."""

    def __init__(self):
        super().__init__()
        self.values = {}

    def observations_from_factors(self, factors):
        images = super().observations_from_factors(factors)
        for image, values in zip(images, self.factor_values(factors)):
            self.values[np.packbits(image > 0.5).tobytes()] = values
        return images

    def true_values(self, images):
        return np.array([self.values[np.packbits(image > 0.5).tobytes()] for image in images])


def test_metrics_on_dsprites_with_the_true_factor_values():
    """Sampling through the generator; DCI with 20 boosting stages, as 40
    orientations and 32 positions make the default 100 slow."""
    data = RecordingDSprites()
    scores = all_scores(
        data, data.true_values,
        {"train": 150, "eval": 100, "codes": 1000, "test": 400, "dci_train": 300, "stages": 20},
    )
    assert scores["beta_vae"] >= 0.95 and scores["factor_vae"] >= 0.95
    # 40 orientations and 32 positions share 20 bins: MIG < 1 even for the truth.
    assert 0.75 < scores["mig"] < 1.0
    assert scores["disentanglement"] > 0.9 and scores["completeness"] > 0.9
    assert scores["sap"] > 0.1


# === Bad input ===


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: dis.mig(np.zeros(10), np.zeros((10, 2), int)), "Received: codes with shape (10,)"),
        (lambda: dis.mig(np.zeros((10, 3)), np.zeros((9, 2), int)), "Received: factors with shape (9, 2)"),
        (lambda: dis.mig(np.zeros((10, 3)), np.zeros((10, 2))), "Received: factors with dtype float64"),
        (lambda: dis.mig(np.zeros((4, 1)), [[0], [1], [0], [1]]), "Received: codes with shape (4, 1)"),
        (lambda: dis.mig(np.ones((4, 2)), [[0, 1], [0, 0], [0, 1], [0, 0]]), "Received: factors[:, 0] always 0"),
        (lambda: dis.mig(np.full((2, 2), np.nan), [[0], [1]]), "codes with NaN"),
        (lambda: dis.mig(np.zeros((4, 2)), [[0], [1], [0], [1]], num_bins=0), "Received: num_bins=0"),
        (lambda: dis.dci(np.zeros((4, 2)), [[0], [1], [0], [1]], np.zeros((4, 3)), [[0], [1], [0], [1]]),
         "codes_test (4, 3)"),
        (lambda: dis.sap(np.zeros((4, 2)), [[0], [1], [0], [1]], np.zeros((3, 2)), [[0], [1], [0], [1]]),
         "Received: factors_test with shape (4, 1)"),
    ],
)
def test_bad_arrays_name_the_argument(call, message):
    with pytest.raises(ValueError) as error:
        call()
    assert message in str(error.value)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"batch_size": 1}, "Received: batch_size=1"),
        ({"num_train": 0}, "Received: num_train=0"),
        ({"prune_threshold": -1.0}, "Received: prune_threshold=-1.0"),
        ({"num_variance_estimate": 1}, "Received: num_variance_estimate=1"),
    ],
)
def test_factor_vae_checks_its_counts(kwargs, message):
    data = FactorsAsObservations(("a", "b"), (3, 4))
    with pytest.raises(ValueError) as error:
        dis.factor_vae_score(data, lambda x: x, 0, **kwargs)
    assert message in str(error.value)


def test_a_representation_of_the_wrong_shape_is_refused():
    data = FactorsAsObservations(("a", "b"), (3, 4))
    with pytest.raises(ValueError, match=r"given 20 observations it returned shape \(20,\)"):
        dis.sample_codes(data, lambda x: x[:, 0], 20, 0)
    with pytest.raises(ValueError, match="Received: rng=-1"):
        dis.beta_vae_score(data, lambda x: x, -1, num_train=5, num_eval=5)
    with pytest.raises(ValueError, match="Received: factor=2"):
        data.sample_factor_pairs(2, 3, 0)
