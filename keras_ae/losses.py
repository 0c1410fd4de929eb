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
  code unit over the batch is compared with the target `rho`, summed over
  units, multiplied by its weight.
- The total loss is the sum of the terms. Under `tf.distribute` the base
  model divides it by the number of replicas before the gradient, so the
  summed gradients equal the single-device gradient of the global batch.
"""

from __future__ import annotations

from keras import ops

from keras_ae.validation import check_choice

_EPSILON = 1e-7


def _sum_per_example(values):
    return ops.sum(ops.reshape(values, (ops.shape(values)[0], -1)), axis=1)


def squared_error(target, prediction):
    """Per-example sum of squared errors."""
    return _sum_per_example(ops.square(target - prediction))


def binary_crossentropy(target, prediction):
    """Per-example summed Bernoulli negative log-likelihood.

    `prediction` holds probabilities (a sigmoid output); targets may be
    grey levels in [0, 1] as well as binary values.
    """
    prediction = ops.clip(prediction, _EPSILON, 1.0 - _EPSILON)
    nll = -(target * ops.log(prediction) + (1.0 - target) * ops.log(1.0 - prediction))
    return _sum_per_example(nll)


RECONSTRUCTION_LOSSES = {"mse": squared_error, "bce": binary_crossentropy}


def get_reconstruction_loss(name: str):
    check_choice(name, RECONSTRUCTION_LOSSES, "reconstruction_loss")
    return RECONSTRUCTION_LOSSES[name]


def batch_mean(per_example, sample_weight=None):
    """Mean over the batch, Keras's "sum_over_batch_size" with weights."""
    if sample_weight is not None:
        per_example = per_example * ops.reshape(ops.cast(sample_weight, per_example.dtype), (-1,))
    return ops.mean(per_example)


def l1_activity(code):
    """Per-example sum of absolute code activations."""
    return _sum_per_example(ops.abs(code))


def kl_sparsity(code, rho: float):
    """Sum over code units of KL(rho || rho_hat_j), rho_hat_j the batch mean.

    Activations must lie in (0, 1) (a sigmoid code); they are clipped away
    from 0 and 1 so that a dead or saturated unit gives a large, finite value.
    """
    rho_hat = ops.clip(ops.mean(code, axis=0), _EPSILON, 1.0 - _EPSILON)
    kl = rho * ops.log(rho / rho_hat) + (1.0 - rho) * ops.log((1.0 - rho) / (1.0 - rho_hat))
    return ops.sum(kl)
