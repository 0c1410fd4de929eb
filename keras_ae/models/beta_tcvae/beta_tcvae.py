"""The beta-TCVAE: a VAE whose KL term is split into index-code mutual
information, total correlation and dimension-wise KL, each with its weight."""

from __future__ import annotations

from keras import ops

from keras_ae import losses as ae_losses
from keras_ae.models.base import register_family
from keras_ae.models.vae.vae import VAE
from keras_ae.validation import check_choice, check_non_negative, check_positive_int


@register_family("beta_tcvae")
class BetaTCVAE(VAE):
    """beta-TCVAE (Chen et al., 2018, "Isolating Sources of Disentanglement
    in VAEs").

    The objective is -log p(x|z) + alpha * MI + beta * TC + gamma * DWKL, the
    three terms of `keras_ae.losses.kl_decomposition` estimated on each
    batch: only the total correlation TC, the dependence between code units,
    is penalized more (beta > 1), which the paper finds disentangles without
    the reconstruction cost of weighting the whole KL. With
    alpha = beta = gamma = 1 the objective is the VAE's, with a single-draw
    KL in place of the closed form. `fit` shows the weighted terms
    (`mi_loss`, `tc_loss`, `dwkl_loss`), the unweighted ones
    (`mutual_information`, `total_correlation`, `dimension_wise_kl`) and
    the closed-form `kl_divergence` for comparison.

    q(z) is estimated from the batch, so the batch should not be tiny (the
    paper trains on 2048 dSprites images at a time); under `tf.distribute`
    each replica estimates it from its own share of the batch. With the
    default minibatch-weighted sampling the reported terms carry the
    published estimator's constant offsets (MI + log N, TC + (D - 1) log N,
    DWKL - D log N for D code units), which leave the gradients unchanged;
    `estimator="mss"` reports them on their own scale.

    Args:
        encoder, decoder, likelihood, sigma, binarize, seed: as for `VAE`.
        dataset_size: N, the number of training examples (the estimators
            weigh the batch by it). Needed to train or evaluate; None
            leaves the model usable for inference only.
        alpha: weight of the index-code mutual information (1 in the paper).
        beta: weight of the total correlation (the authors' dSprites
            example uses 6).
        gamma: weight of the dimension-wise KL (1 in the paper).
        estimator: `"mws"` (minibatch-weighted sampling, the paper's
            default) or `"mss"` (minibatch-stratified sampling).
        kl_warmup_steps: the three weights rise linearly from 0 over this
            many optimizer steps (0: no warm-up).

    Example:

    ```python
    model = keras_ae.models.BetaTCVAE.from_spec(
        (64, 64, 1), latent_dim=10, dataset_size=len(x_train), beta=6.0,
        architecture_options={"filters": (32, 32, 64, 64), "kernel_size": 4, "dense_units": (256,)})
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    model.fit(x_train, epochs=10, batch_size=256)
    ```
    """

    penalty_names = ("mi_loss", "tc_loss", "dwkl_loss")
    monitor_names = ("mutual_information", "total_correlation", "dimension_wise_kl", "kl_divergence")

    def __init__(
        self,
        encoder,
        decoder,
        dataset_size=None,
        alpha=1.0,
        beta=6.0,
        gamma=1.0,
        estimator="mws",
        kl_warmup_steps=0,
        **kwargs,
    ):
        super().__init__(encoder, decoder, beta=beta, kl_warmup_steps=kl_warmup_steps, **kwargs)
        if dataset_size is not None:
            dataset_size = check_positive_int(dataset_size, "dataset_size")
        self.dataset_size = dataset_size
        self.alpha = check_non_negative(alpha, "alpha")
        self.gamma = check_non_negative(gamma, "gamma")
        self.estimator = check_choice(estimator, ae_losses.TC_ESTIMATORS, "estimator")

    def compute_terms(self, x, target, sample_weight=None, training=False):
        if self.dataset_size is None:
            raise ValueError(
                "The beta-TCVAE weighs each batch by the size of the data set: pass "
                "`dataset_size` (the number of training examples) to train or evaluate it. "
                "Received: dataset_size=None"
            )
        target, mean, log_var, z = self.posterior_sample(x, target, training=training)
        reconstruction = self.decoder(z, training=training)
        nll = self.negative_log_likelihood(target, reconstruction)
        parts = ae_losses.kl_decomposition(z, mean, log_var, self.dataset_size, self.estimator)
        parts = [ae_losses.batch_mean(p, sample_weight) for p in parts]
        warmup = 1.0
        if self.kl_warmup_steps:
            warmup = ops.minimum(1.0, self.training_step() / self.kl_warmup_steps)
        terms = {"reconstruction_loss": ae_losses.batch_mean(nll, sample_weight)}
        for name, weight, value in zip(self.penalty_names, (self.alpha, self.beta, self.gamma), parts):
            terms[name] = warmup * weight * value
        terms.update(zip(self.monitor_names, parts))
        terms["kl_divergence"] = ae_losses.batch_mean(ae_losses.gaussian_kl(mean, log_var), sample_weight)
        return reconstruction, terms

    def get_config(self):
        config = super().get_config()
        config.update(
            {"dataset_size": self.dataset_size, "alpha": self.alpha, "gamma": self.gamma, "estimator": self.estimator}
        )
        return config
