"""Tests of keras_ae.disentanglement: every metric on synthetic codes with known
answers (disentangled, noise, informative but mixed), on dSprites, and its errors."""

from __future__ import annotations

import importlib.util
import inspect
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import mutual_info_score

from keras_ae import disentanglement as dis

ROOT = Path(__file__).resolve().parents[1]

SIZES = (3, 4, 5, 6)
CHANCE = 1 / len(SIZES)
MEAN_CLASS_CHANCE = float(np.mean([1 / s for s in SIZES]))


def _benchmark():
    """The benchmark's ground-truth helpers: factors as observations, the
    synthetic representations and dSprites with a true-value oracle."""
    path = ROOT / "benchmarks" / "disentanglement_metrics.py"
    spec = importlib.util.spec_from_file_location("disentanglement_metrics", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BENCHMARK = _benchmark()
FactorsAsObservations = BENCHMARK.FactorsAsObservations


def small_counts(train: int, eval_: int, codes: int, test: int, dci_train: int, stages: int = 100) -> dict:
    """Sample counts in the benchmark's layout, small enough for a test."""
    return {
        "beta_vae": {"num_train": train, "num_eval": eval_},
        "factor_vae": {"num_train": train, "num_eval": eval_, "num_variance_estimate": codes},
        "codes": {"num_train": codes, "num_test": test},
        "dci_train": dci_train,
        "dci_stages": stages,
    }


@pytest.fixture(scope="module")
def synthetic_scores() -> dict:
    data = FactorsAsObservations(("a", "b", "c", "d"), SIZES)
    counts = small_counts(train=400, eval_=300, codes=2000, test=1000, dci_train=300)
    representations = BENCHMARK.synthetic_representations(SIZES)
    return {name: BENCHMARK.scores(data, representations[name], counts) for name in ("disentangled", "noise", "mixed")}


# === Known answers ===


def test_disentangled_codes_score_near_one(synthetic_scores):
    s = synthetic_scores["disentangled"]
    assert s["beta_vae"] >= 0.99 and s["factor_vae"] >= 0.99
    assert s["mig"] >= 0.95
    assert s["dci_disentanglement"] >= 0.95 and s["dci_completeness"] >= 0.95 and s["dci_informativeness_test"] >= 0.99
    # SAP's one-unit linear classifiers cannot name every class of a factor,
    # so its ceiling is below 1; it stays far above the other two cases.
    assert s["sap"] > 5 * max(synthetic_scores["noise"]["sap"], synthetic_scores["mixed"]["sap"], 0.01)


def test_noise_scores_chance(synthetic_scores):
    s = synthetic_scores["noise"]
    assert abs(s["beta_vae"] - CHANCE) < 0.1 and abs(s["factor_vae"] - CHANCE) < 0.1
    assert s["mig"] < 0.03
    assert s["dci_disentanglement"] < 0.1 and s["dci_completeness"] < 0.1
    assert s["dci_informativeness_test"] < MEAN_CLASS_CHANCE + 0.08
    assert s["sap"] < 0.04


def test_informative_but_entangled_codes_score_low_on_disentanglement(synthetic_scores):
    s = synthetic_scores["mixed"]
    assert s["dci_informativeness_test"] > MEAN_CLASS_CHANCE + 0.3
    assert s["mig"] < 0.05 and s["sap"] < 0.04
    assert s["dci_disentanglement"] < 0.1 and s["dci_completeness"] < 0.1
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


def test_metrics_on_dsprites_with_the_true_factor_values():
    """Sampling through the generator; DCI with 20 boosting stages, as 40
    orientations and 32 positions make the default 100 slow."""
    data = BENCHMARK.RecordingDSprites()
    scores = BENCHMARK.scores(
        data, data.true_values, small_counts(train=150, eval_=100, codes=1000, test=400, dci_train=300, stages=20)
    )
    assert scores["beta_vae"] >= 0.95 and scores["factor_vae"] >= 0.95
    # 40 orientations and 32 positions share 20 bins: MIG < 1 even for the truth.
    assert 0.75 < scores["mig"] < 1.0
    assert scores["dci_disentanglement"] > 0.9 and scores["dci_completeness"] > 0.9
    assert scores["sap"] > 0.1


def test_unit_labels_name_each_units_factor_and_the_collapsed_ones():
    rng = np.random.default_rng(0)
    factors = np.stack([rng.integers(0, 3, 2000), rng.integers(0, 5, 2000)], axis=1)
    # Unit 0 carries factor b, unit 1 factor a, unit 2 is collapsed to a constant.
    codes = np.stack([factors[:, 1] + 0.01 * rng.normal(size=2000), factors[:, 0].astype(float), np.full(2000, 0.3)],
                     axis=1)
    result = dis.mig(codes, factors)
    np.testing.assert_allclose(result["factor_entropy"], np.log([3, 5]), atol=0.01)
    labels = dis.unit_labels(codes, result, ("a", "b"))
    assert labels[0].startswith("z0: b MI/H 1.00") and labels[1].startswith("z1: a MI/H 1.00")
    assert labels[2] == "z2: inactive (sd 0.00)"


def test_standard_model_and_its_mean_code():
    model = dis.standard_model("factor_vae", seed=3, gamma=10.0, discriminator_units=(8,))
    assert model.latent_dim == 10 and model.data_shape == (64, 64, 1) and model.gamma == 10.0
    dis.compile_standard(model, 5e-4)
    assert float(model.discriminator_optimizer.learning_rate) == pytest.approx(5e-4)
    assert float(model.discriminator_optimizer.beta_1) == 0.5
    sprites = np.random.default_rng(0).integers(0, 2, (5, 64, 64, 1)).astype("float32")
    # Batches smaller than the input: the chunks are put back together in order.
    codes = dis.mean_code_fn(model, batch_size=2)(sprites)
    np.testing.assert_allclose(codes, model.latent_codes(sprites), atol=1e-5)
    again = dis.standard_model("factor_vae", seed=3, gamma=10.0, discriminator_units=(8,))
    np.testing.assert_array_equal(again.encoder.get_weights()[0], model.encoder.get_weights()[0])


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
