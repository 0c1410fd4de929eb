"""The beta-VAE: a VAE whose KL term is weighted (beta > 1) or pinned to a
rising capacity, trading reconstruction for disentangled code units."""

from __future__ import annotations

from keras import ops

from keras_ae.models.base import register_family
from keras_ae.models.vae import VAE
from keras_ae.validation import check_non_negative, check_positive_int


@register_family("beta_vae")
class BetaVAE(VAE):
    """beta-VAE (Higgins et al., 2017) with the capacity-annealed objective
    of Burgess et al. (2018).

    Without `capacity_max` the objective is the VAE's with its KL term
    weighted by `beta` (after the optional warm-up). With `capacity_max`
    the KL term becomes `gamma * |KL - C|`, C rising linearly from 0 to
    `capacity_max` nats over `capacity_steps` optimizer steps, so the code
    is let carry information a little at a time. `fit` shows the raw
    divergence as `kl_divergence` beside the weighted `kl_loss`.

    Args:
        encoder, decoder, likelihood, sigma, binarize, seed,
            kl_warmup_steps: as for `VAE`.
        beta: weight of the KL term, >= 0 (Higgins et al. use 4 and more).
        capacity_max: the final capacity C_max in nats, or None.
        capacity_steps: optimizer steps over which C rises to `capacity_max`.
        gamma: weight of `|KL - C|` in the capacity objective.

    Example:

    ```python
    model = keras_ae.models.BetaVAE.from_spec(
        (64, 64, 1), latent_dim=10, capacity_max=25.0, capacity_steps=100_000, gamma=1000.0)
    ```
    """

    monitor_names = ("kl_divergence",)

    def __init__(
        self,
        encoder,
        decoder,
        beta=4.0,
        kl_warmup_steps=0,
        capacity_max=None,
        capacity_steps=100_000,
        gamma=1000.0,
        **kwargs,
    ):
        super().__init__(encoder, decoder, beta=beta, kl_warmup_steps=kl_warmup_steps, **kwargs)
        self.capacity_max = None if capacity_max is None else check_non_negative(capacity_max, "capacity_max")
        self.capacity_steps = check_positive_int(capacity_steps, "capacity_steps")
        self.gamma = check_non_negative(gamma, "gamma")

    def capacity(self):
        """C at the current step, in nats."""
        return self.capacity_max * ops.minimum(1.0, self.training_step() / self.capacity_steps)

    def kl_term(self, kl):
        if self.capacity_max is None:
            return super().kl_term(kl)
        return self.gamma * ops.abs(kl - self.capacity())

    def get_config(self):
        config = super().get_config()
        config.update(
            {"capacity_max": self.capacity_max, "capacity_steps": self.capacity_steps, "gamma": self.gamma}
        )
        return config
