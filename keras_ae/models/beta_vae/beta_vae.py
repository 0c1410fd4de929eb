"""The beta-VAE: a VAE whose KL term is weighted (beta > 1) or pinned to a
rising capacity, trading reconstruction for disentangled code units."""

from __future__ import annotations

from keras import ops

from keras_ae import losses as ae_losses
from keras_ae.models.base import register_family
from keras_ae.models.vae.vae import VAE
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

    The schedules (C and the KL warm-up) follow `step_counter`, a model
    variable that `fit` advances once per training step: it is saved with
    the weights, so a loaded or resumed model goes on from the step it
    stopped at, also when compiled again with a new optimizer. Under
    `tf.distribute` KL is the mean over the global batch (the replicas'
    batch means averaged), so |KL - C| is the one-device objective.

    Args:
        encoder, decoder, likelihood, sigma, binarize, seed,
            kl_warmup_steps: as for `VAE`.
        beta: weight of the KL term, >= 0 (Higgins et al. use 4 and more).
        capacity_max: the final capacity C_max in nats, or None.
        capacity_steps: training steps over which C rises to `capacity_max`.
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
        # Not the optimizer's `iterations`: a new optimizer (compiling a
        # loaded model again to fine-tune it) would send C back to 0 and
        # squeeze the code it had been let carry.
        self.step_counter = self.add_weight(
            shape=(), dtype="int64", initializer="zeros", trainable=False,
            aggregation="only_first_replica", name="step_counter",
        )

    def training_step(self):
        """Training steps taken so far, as a float tensor (`step_counter`)."""
        return ops.cast(self.step_counter, "float32")

    def capacity(self):
        """C at the current step, in nats."""
        return self.capacity_max * ops.minimum(1.0, self.training_step() / self.capacity_steps)

    def kl_term(self, kl):
        if self.capacity_max is None:
            return super().kl_term(kl)
        # |.| of a replica's own batch mean would differ from the global
        # batch's whenever the replicas fall on both sides of C.
        kl = ae_losses.global_batch_mean(ops.expand_dims(kl, 0))
        return self.gamma * ops.abs(kl - self.capacity())

    def train_step(self, data):
        logs = super().train_step(data)
        # After the step, so that step t reads C(t), as before.
        self.step_counter.assign_add(1)
        return logs

    def get_config(self):
        config = super().get_config()
        config.update(
            {"capacity_max": self.capacity_max, "capacity_steps": self.capacity_steps, "gamma": self.gamma}
        )
        return config
