"""The variational autoencoder: a Gaussian posterior over codes, the
reparameterization trick, and the negative ELBO as the objective."""

from __future__ import annotations

import math

import numpy as np
from keras import ops

from keras_ae import losses as ae_losses
from keras_ae.blocks import gaussian_encoder
from keras_ae.latent import prior_codes
from keras_ae.layers import GaussianSampler
from keras_ae.models.base import Autoencoder, register_family
from keras_ae.validation import (
    ValueRange,
    check_choice,
    check_non_negative,
    check_non_negative_int,
)

LIKELIHOODS = ("bernoulli", "gaussian")


@register_family("vae")
class VAE(Autoencoder):
    """Variational autoencoder (Kingma and Welling, 2014).

    The encoder outputs the mean and log-variance of q(z|x); training draws
    z = mean + sigma * eps and minimises -log p(x|z) + beta * KL(q(z|x) || N(0, I)),
    per example in nats (conventions in `keras_ae.losses`). `fit` shows
    `reconstruction_loss`, `kl_loss` and their sum `loss`, the negative ELBO
    when beta = 1; `evaluate` estimates the same with one draw per example.
    `reconstruct` decodes the posterior mean.

    Args:
        encoder: a built `keras.Model` with two outputs, mean and
            log-variance (`keras_ae.blocks.gaussian_encoder` makes one), or
            use `VAE.from_spec(input_shape, latent_dim, ...)`.
        decoder: a built `keras.Model` from codes to the data's shape; its
            output is the Bernoulli probabilities or the Gaussian mean.
        beta: weight of the KL term, >= 0 (1 gives the ELBO).
        kl_warmup_steps: the KL weight rises linearly from 0 to `beta` over
            this many optimizer steps (0: no warm-up), which keeps code
            units from collapsing to the prior early in training.
        likelihood: `"bernoulli"` (binary data) or `"gaussian"`.
        sigma: the Gaussian likelihood's standard deviation, a number > 0 or
            `"learned"` (one trainable scalar). Ignored for Bernoulli.
        binarize: draw a fresh 0/1 version of each training batch, each
            pixel on with its grey level as probability: the dynamic
            binarization of the MNIST likelihood benchmarks.
        seed: seed of the sampling (saved with the model).

    Example:

    ```python
    model = keras_ae.models.VAE.from_spec((28, 28, 1), latent_dim=32, architecture="dense")
    model.compile(optimizer="adam")
    model.fit(x_train, epochs=10, batch_size=128)
    mean, log_var = model.encode(x_test)
    images = model.sample(16, seed=0)
    ```
    """

    default_architecture = "conv"
    penalty_names = ("kl_loss",)
    encoder_outputs = ("mean", "log_var")
    has_prior = True

    def __init__(
        self,
        encoder,
        decoder,
        beta=1.0,
        kl_warmup_steps=0,
        likelihood="bernoulli",
        sigma=1.0,
        binarize=False,
        seed=None,
        **kwargs,
    ):
        likelihood = check_choice(likelihood, LIKELIHOODS, "likelihood")
        if "reconstruction_loss" in kwargs:
            raise ValueError(
                "The variational families choose their reconstruction term with `likelihood`. "
                f"Received: reconstruction_loss={kwargs['reconstruction_loss']!r}"
            )
        super().__init__(
            encoder, decoder, reconstruction_loss="bce" if likelihood == "bernoulli" else "mse", **kwargs
        )
        self.beta = check_non_negative(beta, "beta")
        self.kl_warmup_steps = check_non_negative_int(kl_warmup_steps, "kl_warmup_steps")
        self.likelihood = likelihood
        if sigma != "learned":
            if check_non_negative(sigma, "sigma") == 0:
                raise ValueError(f'`sigma` must be > 0 or "learned". Received: sigma={sigma!r}')
            sigma = float(sigma)
        self.sigma = sigma
        self.binarize = bool(binarize)
        self.sampler = GaussianSampler(seed, name="sampler")
        if sigma == "learned":
            self.log_sigma = self.add_weight(shape=(), initializer="zeros", name="log_sigma")
        else:
            self.log_sigma = math.log(sigma)

    @classmethod
    def build_networks(cls, architecture, input_shape, latent_dim, **network_args):
        encoder, decoder = super().build_networks(architecture, input_shape, latent_dim, **network_args)
        return gaussian_encoder(encoder), decoder

    # === Public API ===

    def call(self, inputs, training=False):
        x, conditions = self.split_inputs(inputs)
        mean, _ = self.run_network(self.encoder, x, conditions, training)
        return self.run_network(self.decoder, mean, conditions, training)

    def encode(self, x, batch_size: int = 256) -> tuple[np.ndarray, np.ndarray]:
        """The posterior's mean and log-variance for a batch, as NumPy arrays."""
        mean, log_var = self.encoder.predict(self.check_data(x, "x"), batch_size=batch_size, verbose=0)
        return mean, log_var

    def latent_codes(self, x, batch_size: int = 256) -> np.ndarray:
        return self.encode(x, batch_size=batch_size)[0]

    def sample(self, n: int, seed: int | None = None, batch_size: int = 256) -> np.ndarray:
        """Decodes `n` codes drawn from the prior N(0, I)."""
        return self.decode(prior_codes(n, self.latent_shape, seed), batch_size=batch_size)

    @property
    def data_range(self) -> ValueRange | None:
        if self.likelihood == "bernoulli":
            return ValueRange(0.0, 1.0, "the Bernoulli likelihood (likelihood='bernoulli')")
        if self.binarize:
            return ValueRange(0.0, 1.0, "binarize=True, which draws each value as a probability")
        return None

    # === Objective ===

    def negative_log_likelihood(self, target, output):
        """Per-example -log p(target | decoder output), in nats."""
        if self.likelihood == "bernoulli":
            return ae_losses.binary_crossentropy(target, output)
        return ae_losses.gaussian_nll(target, output, ops.cast(self.log_sigma, output.dtype))

    def training_step(self):
        """Optimizer steps taken so far, as a float tensor (0 before compile).
        Schedules read it, so they resume where a saved run stopped."""
        if self.optimizer is None:
            return ops.convert_to_tensor(0.0)
        return ops.cast(self.optimizer.iterations, "float32")

    def kl_weight(self):
        """The factor on the KL divergence at the current step."""
        if not self.kl_warmup_steps:
            return self.beta
        return self.beta * ops.minimum(1.0, self.training_step() / self.kl_warmup_steps)

    def kl_term(self, kl):
        """The objective's KL term given the batch-mean divergence `kl`."""
        return self.kl_weight() * kl

    def split_inputs(self, inputs):
        """`(x, conditions)`: the data, and the extra inputs that both
        networks take beside it (none here; one-hot labels in the
        conditional VAE)."""
        return inputs, ()

    def posterior_sample(self, x, target, conditions=(), training=False):
        """`(target, mean, log_var, z)`: the encoder's Gaussian for `x`, one
        code drawn from it, and the target to reconstruct. The first step of
        every variational objective here; while training with `binarize`,
        `x` and the target become one Bernoulli draw of `x`."""
        if training and self.binarize:
            x = target = self.sampler.bernoulli(x)
        mean, log_var = self.run_network(self.encoder, x, conditions, training)
        return target, mean, log_var, self.sampler([mean, log_var])

    def compute_terms(self, inputs, target, sample_weight=None, training=False):
        x, conditions = self.split_inputs(inputs)
        target, mean, log_var, z = self.posterior_sample(x, target, conditions, training)
        reconstruction = self.run_network(self.decoder, z, conditions, training)
        nll = self.negative_log_likelihood(target, reconstruction)
        kl = ae_losses.batch_mean(ae_losses.gaussian_kl(mean, log_var), sample_weight)
        terms = {"reconstruction_loss": ae_losses.batch_mean(nll, sample_weight), "kl_loss": self.kl_term(kl)}
        if "kl_divergence" in self.monitor_names:
            terms["kl_divergence"] = kl
        return reconstruction, terms

    def log_importance_weights(self, inputs, k: int, sampler: GaussianSampler | None = None):
        """`log p(x, z_i) - log q(z_i | x)` for `k` draws z_i ~ q(z|x) per
        example: shape `(batch, k)`. Their log-mean-exp is the importance
        weighted bound on log p(x) (Burda et al., 2015); `sampler` (default:
        the model's) draws the z_i."""
        x, conditions = self.split_inputs(inputs)
        mean, log_var = self.run_network(self.encoder, x, conditions)
        z = (sampler or self.sampler).sample_many(mean, log_var, k)
        flat_z = ops.reshape(z, (-1, *self.latent_shape))
        conditions = [ops.repeat(c, k, axis=0) for c in conditions]
        output = self.run_network(self.decoder, flat_z, conditions)
        repeated = ops.repeat(x, k, axis=0)
        log_px_z = ops.reshape(-self.negative_log_likelihood(repeated, output), (-1, k))
        # The densities are over the whole code, whatever its shape.
        batch = ops.shape(z)[0]
        z = ops.reshape(z, (batch, k, -1))
        mean, log_var = ops.reshape(mean, (batch, -1)), ops.reshape(log_var, (batch, -1))
        log_pz = ae_losses.log_normal(z, ops.zeros_like(z), ops.zeros_like(z))
        log_qz = ae_losses.log_normal(z, ops.expand_dims(mean, 1), ops.expand_dims(log_var, 1))
        return log_px_z + log_pz - log_qz

    # === Config ===

    def get_config(self):
        config = super().get_config()
        # The likelihood replaces the deterministic families' loss name.
        config.pop("reconstruction_loss")
        config.update(
            {
                "beta": self.beta,
                "kl_warmup_steps": self.kl_warmup_steps,
                "likelihood": self.likelihood,
                "sigma": self.sigma,
                "binarize": self.binarize,
                "seed": self.sampler.seed,
            }
        )
        return config
