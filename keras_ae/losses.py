"""The loss conventions of every keras_ae objective, written in one place.

Conventions (they make numbers comparable with the literature and across
families):

- A reconstruction term is a **per-example sum** over every non-batch axis
  (all pixels and channels), then a **mean over the batch**. For MNIST with
  `"mse"` the reported `reconstruction_loss` is therefore the squared error
  per image summed over its 784 pixels, the figure the deep-autoencoder
  papers quote.
- A per-example penalty (L1 activity, contractive Frobenius norm) is likewise
  summed over its units and averaged over the batch, then multiplied by its
  weight.
- The KL sparsity penalty is a batch statistic: the mean activation of each
  code unit over the (global) batch is compared with the target `rho`,
  summed over units, multiplied by its weight.
- The variational families report nats per example, so that their figures
  compare with the papers': `reconstruction_loss` is -log p(x|z) summed
  over pixels, `kl_loss` is beta * KL(q(z|x) || N(0, I)) summed over code
  units, and their sum is the negative ELBO. The likelihoods:
  - Bernoulli: `binary_crossentropy` (for binarized data; on grey levels it
    is the usual continuous relaxation, not a normalized likelihood);
  - Gaussian with standard deviation sigma (fixed, or one learned scalar):
    `gaussian_nll`, the squared error / (2 sigma^2) plus the normalizer
    D (log sigma + log(2 pi) / 2), D the values per example.
- The disentangling families split or reweight that KL term, still in nats
  per example: the capacity-annealed beta-VAE's `kl_loss` is
  gamma * |KL - C| (KL the batch mean, over the global batch under
  `tf.distribute`); the beta-TCVAE's `mi_loss`, `tc_loss` and `dwkl_loss`
  are alpha, beta and gamma times the terms of `kl_decomposition`, which
  sum to the single-draw KL estimate; FactorVAE's `tc_loss` is gamma times
  its discriminator's estimate of the total correlation, the batch mean of
  the logit log(D(z) / (1 - D(z))).
- The masked autoencoder's `reconstruction_loss` is the squared error
  summed over the values of the patches it hid (the paper's per-pixel mean
  times their constant count), averaged over the batch.
- The total loss is the sum of the terms. Under `tf.distribute` the base
  model divides it by the number of replicas before the gradient, so the
  summed gradients equal the single-device gradient of the global batch.
- Every term is computed in float32, also under a mixed-precision policy
  whose layers output float16 or bfloat16: a sum over 784 pixels loses
  too much in half precision.
"""

from __future__ import annotations

import math

from keras import ops

from keras_ae.validation import check_choice

_EPSILON = 1e-7


def _sum_per_example(values):
    return ops.sum(ops.reshape(values, (ops.shape(values)[0], -1)), axis=1)


def _float32(*tensors):
    return [ops.cast(t, "float32") for t in tensors]


def squared_error(target, prediction):
    """Per-example sum of squared errors."""
    target, prediction = _float32(target, prediction)
    return _sum_per_example(ops.square(target - prediction))


def binary_crossentropy(target, prediction):
    """Per-example summed Bernoulli negative log-likelihood.

    `prediction` holds probabilities (a sigmoid output); targets may be
    grey levels in [0, 1] as well as binary values.
    """
    target, prediction = _float32(target, prediction)
    # log(p + eps) rather than log(clip(p)): a clip has zero gradient past
    # its bound, so a pixel whose sigmoid output is near 1e-7 gets a gradient
    # or none depending on rounding; Adam turns that into full-size steps,
    # and runs that should agree (one device against N replicas) drift apart.
    nll = -(target * ops.log(prediction + _EPSILON) + (1.0 - target) * ops.log(1.0 - prediction + _EPSILON))
    return _sum_per_example(nll)


RECONSTRUCTION_LOSSES = {"mse": squared_error, "bce": binary_crossentropy}


def get_reconstruction_loss(name: str):
    check_choice(name, RECONSTRUCTION_LOSSES, "reconstruction_loss")
    return RECONSTRUCTION_LOSSES[name]


def without_padding(target, reconstruction, mask_value):
    """`reconstruction` with each padded step of `target` (every feature
    equal to `mask_value`, the rule of `keras.layers.Masking`) replaced by
    the target itself, so that a reconstruction loss sums no error there:
    the sequence families' loss on variable-length sequences."""
    if mask_value is None:
        return reconstruction
    padded = ops.all(ops.equal(target, mask_value), axis=-1, keepdims=True)
    return ops.where(padded, target, reconstruction)


def batch_mean(per_example, sample_weight=None):
    """Mean over the batch, Keras's "sum_over_batch_size" with weights."""
    (per_example,) = _float32(per_example)
    if sample_weight is not None:
        per_example = per_example * ops.reshape(ops.cast(sample_weight, per_example.dtype), (-1,))
    return ops.mean(per_example)


def l1_activity(code):
    """Per-example sum of absolute code activations."""
    (code,) = _float32(code)
    return _sum_per_example(ops.abs(code))


def global_batch_mean(values):
    """Mean over axis 0 of the global batch: under `tf.distribute` the
    replicas' sums and counts are all-reduced, so a batch statistic is that
    of the whole batch, as on one device (and its gradient reaches every
    replica's examples)."""
    import tensorflow as tf

    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return ops.mean(values, axis=0)
    total = context.all_reduce("SUM", ops.sum(values, axis=0))
    count = context.all_reduce("SUM", ops.cast(ops.shape(values)[0], values.dtype))
    return total / count


def kl_sparsity(code, rho: float):
    """Sum over code units of KL(rho || rho_hat_j), rho_hat_j the batch mean.

    Activations must lie in (0, 1) (a sigmoid code); they are clipped away
    from 0 and 1 so that a dead or saturated unit gives a large, finite value.
    """
    (code,) = _float32(code)
    rho_hat = ops.clip(global_batch_mean(code), _EPSILON, 1.0 - _EPSILON)
    kl = rho * ops.log(rho / rho_hat) + (1.0 - rho) * ops.log((1.0 - rho) / (1.0 - rho_hat))
    return ops.sum(kl)


def gaussian_nll(target, mean, log_sigma):
    """Per-example -log N(target; mean, sigma^2 I), sigma = exp(log_sigma)
    a scalar (fixed or learned)."""
    target, mean, log_sigma = _float32(target, mean, log_sigma)
    values = ops.cast(ops.prod(ops.shape(target)[1:]), target.dtype)
    scaled = _sum_per_example(ops.square(target - mean)) * ops.exp(-2.0 * log_sigma)
    return 0.5 * scaled + values * (log_sigma + 0.5 * math.log(2.0 * math.pi))


def gaussian_kl(mean, log_var):
    """Per-example KL(N(mean, exp(log_var)) || N(0, I)), in closed form."""
    mean, log_var = _float32(mean, log_var)
    return 0.5 * _sum_per_example(ops.exp(log_var) + ops.square(mean) - 1.0 - log_var)


def log_normal(z, mean, log_var):
    """log N(z; mean, diag(exp(log_var))) summed over the last axis."""
    z, mean, log_var = _float32(z, mean, log_var)
    return -0.5 * ops.sum(
        ops.square(z - mean) * ops.exp(-log_var) + log_var + math.log(2.0 * math.pi), axis=-1
    )


# === Decomposed KL (beta-TCVAE) ===

TC_ESTIMATORS = ("mws", "mss")


def _log_normal_per_unit(z, mean, log_var):
    """log N(z; mean, exp(log_var)) of each unit (no sum)."""
    return -0.5 * (ops.square(z - mean) * ops.exp(-log_var) + log_var + math.log(2.0 * math.pi))


def _log_minibatch_weights(batch, dataset_size: int, estimator: str):
    """Log-weights w_ij of q(z_i | x_j) in the minibatch estimate of the
    aggregate posterior q(z_i) ~ sum_j w_ij q(z_i | x_j) (Chen et al., 2018).

    - "mws" (minibatch-weighted sampling): every w_ij = 1 / (N M), as
      published. These weights sum to 1 / N rather than 1, so the estimate is
      log q(z) - log N: a constant, without effect on the gradients.
    - "mss" (minibatch-stratified sampling): w_ii = 1 / N for the example that
      drew z_i, (N - M) / (N M) for one other example (the next one, cyclically),
      1 / M for the others, M = batch - 1; each row sums to 1. (The authors'
      code gives 1 / N and (N - M) / (N M) to the batch's first two examples
      in every row, whichever example drew z_i; here the 1 / N goes to that
      example, as the paper derives it.)
    """
    n = float(dataset_size)
    size = ops.cast(batch, "float32")
    if estimator == "mws":
        return ops.zeros((batch, batch)) - ops.log(n * size)
    m = ops.maximum(size - 1.0, 1.0)
    index = ops.arange(batch)
    own = ops.cast(ops.equal(index[:, None], index[None, :]), "float32")
    # The strata weight is 0 once the data set is no larger than the batch.
    next_one = ops.cast(ops.equal((index[:, None] + 1) % batch, index[None, :]), "float32") * (1.0 - own)
    weights = own / n + next_one * ops.maximum(n - m, 0.0) / (n * m) + (1.0 - own - next_one) / m
    return ops.log(weights)


def kl_decomposition(z, mean, log_var, dataset_size: int, estimator: str = "mws"):
    """Per-example `(mutual_information, total_correlation, dimension_wise_kl)`
    of the beta-TCVAE (Chen et al., 2018), each of shape `(batch,)`, in nats.

    With z_i ~ q(z|x_i), the single-draw KL estimate log q(z_i|x_i) - log p(z_i)
    splits into
    - index-code mutual information: log q(z_i|x_i) - log q(z_i),
    - total correlation: log q(z_i) - sum_d log q(z_id),
    - dimension-wise KL: sum_d log q(z_id) - log p(z_i),
    where q(z) and its marginals q(z_d) are estimated from the minibatch
    (`estimator` "mws" or "mss", see `_log_minibatch_weights`) and p = N(0, I).
    Whatever the estimator, the three sum to the single-draw KL estimate.

    Args:
        z, mean, log_var: the draws and the posteriors' parameters, `(batch, ...)`.
        dataset_size: N, the number of training examples.
        estimator: `"mws"` or `"mss"`.
    """
    check_choice(estimator, TC_ESTIMATORS, "estimator")
    z, mean, log_var = _float32(z, mean, log_var)
    batch = ops.shape(z)[0]
    z, mean, log_var = (ops.reshape(t, (batch, -1)) for t in (z, mean, log_var))
    # log q(z_i,d | x_j,d) for every pair (i, j): (batch, batch, units).
    pairwise = _log_normal_per_unit(z[:, None, :], mean[None, :, :], log_var[None, :, :])
    log_weights = _log_minibatch_weights(batch, dataset_size, estimator)
    log_qz = ops.logsumexp(log_weights + ops.sum(pairwise, axis=2), axis=1)
    log_qz_marginals = ops.sum(ops.logsumexp(log_weights[:, :, None] + pairwise, axis=1), axis=1)
    log_qz_x = log_normal(z, mean, log_var)
    log_pz = log_normal(z, ops.zeros_like(z), ops.zeros_like(z))
    return log_qz_x - log_qz, log_qz - log_qz_marginals, log_qz_marginals - log_pz


# === Density-ratio total correlation (FactorVAE) ===


def _mean_or_zero(values):
    return ops.sum(values) / ops.maximum(ops.cast(ops.size(values), "float32"), 1.0)


def discriminator_loss(joint_logits, shuffled_logits):
    """The FactorVAE discriminator's loss: binary cross-entropy on logits
    with label 1 for codes drawn from q(z) and 0 for codes with each unit
    shuffled across the batch (draws of prod_d q(z_d)), the mean over each
    set, averaged. An empty set (the second half of a batch of one) adds 0.

    At its optimum the logit is log(q(z) / prod_d q(z_d)), so the batch mean
    of the logits on draws of q(z) estimates the total correlation.
    """
    joint_logits, shuffled_logits = _float32(joint_logits, shuffled_logits)
    joint = ops.binary_crossentropy(ops.ones_like(joint_logits), joint_logits, from_logits=True)
    shuffled = ops.binary_crossentropy(ops.zeros_like(shuffled_logits), shuffled_logits, from_logits=True)
    return 0.5 * (_mean_or_zero(joint) + _mean_or_zero(shuffled))
