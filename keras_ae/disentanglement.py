"""Disentanglement metrics on mean codes: the beta-VAE and FactorVAE scores, MIG, DCI and SAP,
computed as disentanglement_lib computes them, with its sample counts as defaults."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from keras_ae.datasets.dsprites import GroundTruthData, as_generator
from keras_ae.validation import check_non_negative, check_positive_int

# disentanglement_lib's settings (the gin configs of the study of Locatello
# et al., 2019, "Challenging common assumptions in the unsupervised learning
# of disentangled representations"); each function's defaults are these.
DEFAULTS: dict[str, dict[str, int | float]] = {
    "beta_vae": {"batch_size": 64, "num_train": 10_000, "num_eval": 5_000},
    "factor_vae": {
        "batch_size": 64,
        "num_train": 10_000,
        "num_eval": 5_000,
        "num_variance_estimate": 10_000,
        "prune_threshold": 0.05,
    },
    "mig": {"num_train": 10_000, "num_bins": 20},
    "dci": {"num_train": 10_000, "num_test": 5_000},
    "sap": {"num_train": 10_000, "num_test": 5_000},
}

RepresentationFn = Callable[[np.ndarray], np.ndarray]

# Observations handed to `representation_fn` at once: large enough that a
# Keras model's `predict` overhead is paid rarely, small enough for memory.
_CHUNK = 4096


def _require_sklearn(metric: str) -> None:
    try:
        import sklearn  # noqa: F401
    except ImportError as error:
        raise ImportError(f"The {metric} needs scikit-learn: `pip install scikit-learn`.") from error


# === Sampling codes ===


def codes_of(data: GroundTruthData, representation_fn: RepresentationFn, factors: np.ndarray) -> np.ndarray:
    """The codes, float64 (n, code_dim), of the observations of `factors`, computed in chunks."""
    factors = data.check_factors(factors)
    codes = []
    for start in range(0, len(factors), _CHUNK):
        chunk = factors[start:start + _CHUNK]
        code = np.asarray(representation_fn(data.observations_from_factors(chunk)), dtype="float64")
        if code.ndim != 2 or len(code) != len(chunk) or (codes and code.shape[1] != codes[0].shape[1]):
            raise ValueError(
                f"`representation_fn` must return one code per observation, shape (n, code_dim); given "
                f"{len(chunk)} observations it returned shape {code.shape}"
            )
        if not np.isfinite(code).all():
            raise ValueError("`representation_fn` returned NaN or infinite codes")
        codes.append(code)
    return np.concatenate(codes)


def sample_codes(
    data: GroundTruthData, representation_fn: RepresentationFn, num_points: int, rng: np.random.Generator | int
) -> tuple[np.ndarray, np.ndarray]:
    """(codes, factors) of `num_points` random observations: the input of `mig`, `dci` and `sap`.

    Example:
        ```python
        rng = np.random.default_rng(0)
        encode = model.latent_codes  # the mean code of a VAE
        codes, factors = sample_codes(data, encode, 10_000, rng)
        score = mig(codes, factors)["mig"]
        ```
    """
    num_points = check_positive_int(num_points, "num_points")
    factors = data.sample_factors(num_points, as_generator(rng))
    return codes_of(data, representation_fn, factors), factors


def _check_codes(codes, factors, codes_name: str, factors_name: str) -> tuple[np.ndarray, np.ndarray]:
    codes = np.asarray(codes, dtype="float64")
    factors = np.asarray(factors)
    if codes.ndim != 2 or len(codes) < 2:
        raise ValueError(
            f"`{codes_name}` must have shape (n, code_dim) with n >= 2. Received: {codes_name} with shape "
            f"{codes.shape}"
        )
    if factors.ndim != 2 or len(factors) != len(codes) or factors.shape[1] < 1:
        raise ValueError(
            f"`{factors_name}` must have shape ({len(codes)}, num_factors), one row per code. Received: "
            f"{factors_name} with shape {factors.shape}"
        )
    if not np.issubdtype(factors.dtype, np.integer):
        raise ValueError(
            f"`{factors_name}` must hold integer factor classes. Received: {factors_name} with dtype {factors.dtype}"
        )
    if not np.isfinite(codes).all():
        raise ValueError(f"`{codes_name}` must be finite. Received: {codes_name} with NaN or infinite values")
    return codes, factors.astype("int64")


def _check_varying(factors: np.ndarray, name: str) -> None:
    for k in range(factors.shape[1]):
        if np.all(factors[:, k] == factors[0, k]):
            raise ValueError(
                f"Every factor must take at least two classes in `{name}`. Received: {name}[:, {k}] always "
                f"{int(factors[0, k])}"
            )


# === beta-VAE score ===


def beta_vae_score(
    data: GroundTruthData,
    representation_fn: RepresentationFn,
    rng: np.random.Generator | int,
    batch_size: int = 64,
    num_train: int = 10_000,
    num_eval: int = 5_000,
) -> dict[str, float]:
    """The beta-VAE score (Higgins et al., 2017): how well a linear classifier
    tells which factor a pair of batches shared.

    Each point: draw a factor k, then `batch_size` pairs of observations that
    agree on factor k only; the point's features are the mean over the pairs
    of |code_1 - code_2|, its label k. A logistic regression (scikit-learn's
    defaults, as disentanglement_lib; `max_iter` 1000 so that it converges)
    is fitted on `num_train` points and scored on `num_eval` new ones. Chance
    is 1 / num_factors. Defaults: `DEFAULTS["beta_vae"]`.

    Returns:
        {"train_accuracy", "eval_accuracy"}; the score is "eval_accuracy".
    """
    _require_sklearn("beta-VAE score")
    from sklearn.linear_model import LogisticRegression

    rng = as_generator(rng)
    batch_size = check_positive_int(batch_size, "batch_size")
    num_train = check_positive_int(num_train, "num_train")
    num_eval = check_positive_int(num_eval, "num_eval")
    train_x, train_y = _beta_vae_points(data, representation_fn, rng, batch_size, num_train)
    eval_x, eval_y = _beta_vae_points(data, representation_fn, rng, batch_size, num_eval)
    if len(np.unique(train_y)) < 2:
        # One label only (a tiny num_train): every prediction is that label.
        return {"train_accuracy": 1.0, "eval_accuracy": float(np.mean(eval_y == train_y[0]))}
    model = LogisticRegression(max_iter=1000)
    model.fit(train_x, train_y)
    return {
        "train_accuracy": float(model.score(train_x, train_y)),
        "eval_accuracy": float(model.score(eval_x, eval_y)),
    }


def _beta_vae_points(
    data: GroundTruthData,
    representation_fn: RepresentationFn,
    rng: np.random.Generator,
    batch_size: int,
    num_points: int,
) -> tuple[np.ndarray, np.ndarray]:
    labels = rng.integers(0, data.num_factors, num_points)
    features = [None] * data.num_factors
    for k in range(data.num_factors):
        count = int(np.sum(labels == k))
        if count == 0:
            continue
        first, second = data.sample_factor_pairs(k, count * batch_size, rng)
        difference = np.abs(codes_of(data, representation_fn, first) - codes_of(data, representation_fn, second))
        features[k] = difference.reshape(count, batch_size, -1).mean(axis=1)
    # Points of each factor were drawn together; put them back in draw order.
    x = np.empty((num_points, next(f for f in features if f is not None).shape[1]))
    for k, f in enumerate(features):
        if f is not None:
            x[labels == k] = f
    return x, labels


# === FactorVAE score ===


def factor_vae_score(
    data: GroundTruthData,
    representation_fn: RepresentationFn,
    rng: np.random.Generator | int,
    batch_size: int = 64,
    num_train: int = 10_000,
    num_eval: int = 5_000,
    num_variance_estimate: int = 10_000,
    prune_threshold: float = 0.05,
) -> dict[str, float]:
    """The FactorVAE score (Kim & Mnih, 2018): how often the code unit with
    the least variance, in a batch where one factor is fixed, names that factor.

    Each code unit is divided by its standard deviation over
    `num_variance_estimate` random observations; units whose deviation is
    below `prune_threshold` (collapsed to the prior) are left out. Each point:
    draw a factor k, a batch of `batch_size` observations sharing a random
    class of k, and vote (k, the active unit of least normalised variance).
    The classifier gives each unit the factor with most of its `num_train`
    votes; accuracy is the share of votes it gets right, on those votes
    ("train_accuracy") and on `num_eval` new ones ("eval_accuracy"). Chance
    is 1 / num_factors. Defaults: `DEFAULTS["factor_vae"]`.

    Returns:
        {"train_accuracy", "eval_accuracy", "num_active_dims"}; the score is
        "eval_accuracy", 0 when every unit has collapsed.
    """
    rng = as_generator(rng)
    batch_size = check_positive_int(batch_size, "batch_size")
    if batch_size < 2:
        raise ValueError(f"`batch_size` must be >= 2 to have a variance. Received: batch_size={batch_size}")
    num_train = check_positive_int(num_train, "num_train")
    num_eval = check_positive_int(num_eval, "num_eval")
    num_variance_estimate = check_positive_int(num_variance_estimate, "num_variance_estimate")
    prune_threshold = check_non_negative(prune_threshold, "prune_threshold")
    if num_variance_estimate < 2:
        raise ValueError(
            f"`num_variance_estimate` must be >= 2 to have a variance. Received: "
            f"num_variance_estimate={num_variance_estimate}"
        )

    codes, _ = sample_codes(data, representation_fn, num_variance_estimate, rng)
    global_variances = np.var(codes, axis=0, ddof=1)
    active = np.sqrt(global_variances) >= prune_threshold
    if not active.any():
        return {"train_accuracy": 0.0, "eval_accuracy": 0.0, "num_active_dims": 0}
    train_votes = _factor_vae_votes(data, representation_fn, rng, batch_size, num_train, global_variances, active)
    eval_votes = _factor_vae_votes(data, representation_fn, rng, batch_size, num_eval, global_variances, active)
    classifier = np.argmax(train_votes, axis=0)
    units = np.arange(train_votes.shape[1])
    return {
        "train_accuracy": float(train_votes[classifier, units].sum() / train_votes.sum()),
        "eval_accuracy": float(eval_votes[classifier, units].sum() / eval_votes.sum()),
        "num_active_dims": int(active.sum()),
    }


def _factor_vae_votes(
    data: GroundTruthData,
    representation_fn: RepresentationFn,
    rng: np.random.Generator,
    batch_size: int,
    num_points: int,
    global_variances: np.ndarray,
    active: np.ndarray,
) -> np.ndarray:
    votes = np.zeros((data.num_factors, len(global_variances)), dtype="int64")
    active_units = np.flatnonzero(active)
    points_per_chunk = max(1, _CHUNK // batch_size)
    for start in range(0, num_points, points_per_chunk):
        count = min(points_per_chunk, num_points - start)
        fixed = rng.integers(0, data.num_factors, count)
        factors = np.concatenate([data.sample_factors_with_fixed(k, batch_size, rng) for k in fixed])
        codes = codes_of(data, representation_fn, factors).reshape(count, batch_size, -1)
        ratios = np.var(codes, axis=1, ddof=1)[:, active_units] / global_variances[active_units]
        np.add.at(votes, (fixed, active_units[np.argmin(ratios, axis=1)]), 1)
    return votes


# === Mutual information gap ===


def discretize(codes: np.ndarray, num_bins: int = 20) -> np.ndarray:
    """Each code unit cut into `num_bins` equal-width bins over its range, int64 (n, code_dim)."""
    num_bins = check_positive_int(num_bins, "num_bins")
    codes = np.asarray(codes, dtype="float64")
    binned = np.empty(codes.shape, dtype="int64")
    for j in range(codes.shape[1]):
        edges = np.histogram(codes[:, j], num_bins)[1]
        binned[:, j] = np.digitize(codes[:, j], edges[:-1])
    return binned


def mutual_information(a: np.ndarray, b: np.ndarray) -> float:
    """Mutual information in nats between two discrete variables observed together (the plug-in estimate)."""
    _, a = np.unique(a, return_inverse=True)
    _, b = np.unique(b, return_inverse=True)
    joint = np.zeros((a.max() + 1, b.max() + 1))
    np.add.at(joint, (a, b), 1)
    joint /= joint.sum()
    outer = joint.sum(axis=1, keepdims=True) * joint.sum(axis=0, keepdims=True)
    nonzero = joint > 0
    return float(np.sum(joint[nonzero] * np.log(joint[nonzero] / outer[nonzero])))


def mig(codes: np.ndarray, factors: np.ndarray, num_bins: int = 20) -> dict[str, object]:
    """The mutual information gap (Chen et al., 2018).

    For each factor: the mutual information with the most informative code
    unit minus that with the second, divided by the factor's entropy; MIG is
    the mean over factors. Code units are discretised into `num_bins`
    equal-width bins (disentanglement_lib's histogram discretiser).
    disentanglement_lib samples 10,000 codes (`DEFAULTS["mig"]`; see
    `sample_codes`).

    Args:
        codes: mean codes, (n, code_dim) with code_dim >= 2.
        factors: the factor classes the codes came from, (n, num_factors).
        num_bins: bins per code unit.

    Returns:
        {"mig": the score, "per_factor": the gap of each factor,
        "mutual_information": (code_dim, num_factors) in nats,
        "factor_entropy": (num_factors,) in nats}.
    """
    codes, factors = _check_codes(codes, factors, "codes", "factors")
    if codes.shape[1] < 2:
        raise ValueError(f"MIG needs at least 2 code units. Received: codes with shape {codes.shape}")
    _check_varying(factors, "factors")
    binned = discretize(codes, num_bins)
    information = np.array([
        [mutual_information(binned[:, j], factors[:, k]) for k in range(factors.shape[1])]
        for j in range(codes.shape[1])
    ])
    entropy = np.array([mutual_information(factors[:, k], factors[:, k]) for k in range(factors.shape[1])])
    top_two = np.sort(information, axis=0)[::-1][:2]
    per_factor = (top_two[0] - top_two[1]) / entropy
    return {"mig": float(per_factor.mean()), "per_factor": per_factor, "mutual_information": information,
            "factor_entropy": entropy}


def unit_labels(codes: np.ndarray, mig_result: dict, factor_names, active_std: float = 0.05) -> list[str]:
    """A label per code unit for pictures of a code: the factor it tells
    most about (its mutual information over the factor's entropy, MIG's
    matrix), or "inactive" when its mean code moves less than `active_std`
    over the data (a unit collapsed to the prior; FactorVAE score's pruning
    threshold by default)."""
    information = np.asarray(mig_result["mutual_information"]) / np.asarray(mig_result["factor_entropy"])
    labels = []
    for j, std in enumerate(np.asarray(codes).std(axis=0)):
        k = int(np.argmax(information[j]))
        labels.append(f"z{j}: inactive (sd {std:.2f})" if std < active_std
                      else f"z{j}: {factor_names[k]} MI/H {information[j, k]:.2f}")
    return labels


# === DCI ===


def dci(
    codes_train: np.ndarray,
    factors_train: np.ndarray,
    codes_test: np.ndarray,
    factors_test: np.ndarray,
    n_estimators: int = 100,
    seed: int = 0,
) -> dict[str, object]:
    """Disentanglement, completeness and informativeness (Eastwood & Williams, 2018).

    One gradient boosted trees classifier per factor (scikit-learn's
    `GradientBoostingClassifier` with its defaults, as disentanglement_lib)
    predicts the factor from the code; the importance matrix R[j, k] is code
    unit j's importance for factor k. Disentanglement: 1 minus the entropy
    (base num_factors) of each unit's row, weighted by the unit's share of
    all importance. Completeness: 1 minus the entropy (base code_dim) of each
    factor's column, weighted by the factor's share. Informativeness: the
    classifiers' mean accuracy. disentanglement_lib uses 10,000 training and
    5,000 test codes (`DEFAULTS["dci"]`; see `sample_codes`).

    Args:
        codes_train, factors_train: codes (n, code_dim) and their factor classes (n, num_factors).
        codes_test, factors_test: held-out codes and factors for informativeness.
        n_estimators: boosting stages per classifier: 100 is scikit-learn's
            default and disentanglement_lib's; fewer for a quick look (each
            stage grows one tree per class, so 40-class factors are slow).
        seed: the classifiers' random state (their tie-breaking).

    Returns:
        {"disentanglement", "completeness", "informativeness_train",
        "informativeness_test", "importance": (code_dim, num_factors)}.
    """
    _require_sklearn("DCI score")
    from sklearn.ensemble import GradientBoostingClassifier

    codes_train, factors_train = _check_codes(codes_train, factors_train, "codes_train", "factors_train")
    codes_test, factors_test = _check_codes(codes_test, factors_test, "codes_test", "factors_test")
    _check_same_layout(codes_train, factors_train, codes_test, factors_test)
    _check_varying(factors_train, "factors_train")
    n_estimators = check_positive_int(n_estimators, "n_estimators")
    importance = np.zeros((codes_train.shape[1], factors_train.shape[1]))
    train_accuracy, test_accuracy = [], []
    for k in range(factors_train.shape[1]):
        model = GradientBoostingClassifier(n_estimators=n_estimators, random_state=seed)
        model.fit(codes_train, factors_train[:, k])
        importance[:, k] = np.abs(model.feature_importances_)
        train_accuracy.append(np.mean(model.predict(codes_train) == factors_train[:, k]))
        test_accuracy.append(np.mean(model.predict(codes_test) == factors_test[:, k]))
    return {
        "disentanglement": _weighted_specificity(importance),
        "completeness": _weighted_specificity(importance.T),
        "informativeness_train": float(np.mean(train_accuracy)),
        "informativeness_test": float(np.mean(test_accuracy)),
        "importance": importance,
    }


def _weighted_specificity(matrix: np.ndarray) -> float:
    """Sum over rows of (1 - entropy of the row, base = row length) x the row's share of the total."""
    from scipy.stats import entropy

    # 1e-11 as disentanglement_lib: an all-zero row is uniform, not undefined.
    per_row = 1.0 - entropy(matrix.T + 1e-11, base=matrix.shape[1])
    weights = matrix if matrix.sum() > 0 else np.ones_like(matrix)
    return float(np.sum(per_row * weights.sum(axis=1) / weights.sum()))


def _check_same_layout(codes_train, factors_train, codes_test, factors_test) -> None:
    if codes_test.shape[1] != codes_train.shape[1] or factors_test.shape[1] != factors_train.shape[1]:
        raise ValueError(
            "Train and test must have the same code and factor sizes. Received: codes_train "
            f"{codes_train.shape}, factors_train {factors_train.shape}, codes_test {codes_test.shape}, "
            f"factors_test {factors_test.shape}"
        )


# === SAP ===


def sap(
    codes_train: np.ndarray,
    factors_train: np.ndarray,
    codes_test: np.ndarray,
    factors_test: np.ndarray,
) -> dict[str, object]:
    """The separated attribute predictability score (Kumar et al., 2018), for discrete factors.

    For each (code unit, factor) pair, a linear SVM (`LinearSVC(C=0.01,
    class_weight="balanced")`, as disentanglement_lib) predicts the factor
    from that unit alone; its test accuracy fills the score matrix. SAP is the
    mean over factors of the gap between the two most predictive units.
    disentanglement_lib uses 10,000 training and 5,000 test codes
    (`DEFAULTS["sap"]`; see `sample_codes`).

    Args:
        codes_train, factors_train: codes (n, code_dim) with code_dim >= 2 and
            their factor classes (n, num_factors).
        codes_test, factors_test: held-out codes and factors.

    Returns:
        {"sap": the score, "score_matrix": (code_dim, num_factors) accuracies}.
    """
    _require_sklearn("SAP score")
    from sklearn.svm import LinearSVC

    codes_train, factors_train = _check_codes(codes_train, factors_train, "codes_train", "factors_train")
    codes_test, factors_test = _check_codes(codes_test, factors_test, "codes_test", "factors_test")
    _check_same_layout(codes_train, factors_train, codes_test, factors_test)
    if codes_train.shape[1] < 2:
        raise ValueError(f"SAP needs at least 2 code units. Received: codes_train with shape {codes_train.shape}")
    _check_varying(factors_train, "factors_train")
    scores = np.zeros((codes_train.shape[1], factors_train.shape[1]))
    for j in range(codes_train.shape[1]):
        for k in range(factors_train.shape[1]):
            classifier = LinearSVC(C=0.01, class_weight="balanced")
            classifier.fit(codes_train[:, j:j + 1], factors_train[:, k])
            scores[j, k] = np.mean(classifier.predict(codes_test[:, j:j + 1]) == factors_test[:, k])
    top_two = np.sort(scores, axis=0)[::-1][:2]
    return {"sap": float(np.mean(top_two[0] - top_two[1])), "score_matrix": scores}


# === The standard setup ===

# The networks of disentanglement_lib's study (Burgess et al. 2018's): four 4x4
# stride-2 convolutions of 32, 32, 64, 64 filters and a dense 256, mirrored by
# the decoder, with a 10-d code and a Bernoulli likelihood on the binary sprites.
STANDARD_ARCHITECTURE = {"filters": (32, 32, 64, 64), "kernel_size": 4, "dense_units": (256,)}
# The dSprites factors a latent traversal starts from: an ellipse, middle
# scale, unrotated, in the centre.
TRAVERSAL_START = (1, 3, 0, 16, 16)


def standard_model(family: str, seed: int = 0, latent_dim: int = 10, input_shape=(64, 64, 1), **options):
    """A model of the VAE family `family` ("vae", "beta_vae", "beta_tcvae",
    "factor_vae") on the standard disentanglement networks, uncompiled, its
    weights drawn from `seed`; `options` are the family's own (beta, gamma, ...)."""
    import keras

    from keras_ae.models.build import build_family

    keras.utils.set_random_seed(seed)
    return build_family(
        family, input_shape, latent_dim, {**STANDARD_ARCHITECTURE, **options}, "conv", likelihood="bernoulli", seed=seed,
    )


def compile_standard(model, learning_rate: float = 1e-4, **kwargs):
    """Compiles a `standard_model` with Adam at `learning_rate` (the study's
    1e-4 by default), a FactorVAE's discriminator too (with Kim & Mnih's
    beta_1 0.5, beta_2 0.9); `kwargs` go to `compile` (jit_compile, ...)."""
    import keras

    if getattr(model, "family", None) == "factor_vae":
        kwargs["discriminator_optimizer"] = keras.optimizers.Adam(learning_rate, beta_1=0.5, beta_2=0.9)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), **kwargs)
    return model


def mean_code_fn(model, batch_size: int = 1024) -> RepresentationFn:
    """The `representation_fn` of a VAE: its encoder's mean, one compiled call
    per batch (the metrics make thousands of small calls, for which `predict`
    would build a pipeline each time)."""
    import tensorflow as tf

    batch_size = check_positive_int(batch_size, "batch_size")
    mean = tf.function(lambda x: model.encoder(x, training=False)[0], reduce_retracing=True)

    def represent(x):
        x = np.asarray(x, dtype="float32")
        return np.concatenate([mean(tf.constant(x[i:i + batch_size])).numpy() for i in range(0, len(x), batch_size)])

    return represent


def model_mig(model, data: GroundTruthData, num_points: int, rng: np.random.Generator | int) -> dict[str, object]:
    """`mig` of a VAE's mean code on `num_points` observations of `data`
    drawn with `rng`, with those codes under "codes" (for labelling units,
    see `unit_labels`): the zoo's headline for dSprites presets."""
    codes, factors = sample_codes(data, mean_code_fn(model), num_points, rng)
    return {**mig(codes, factors), "codes": codes}
