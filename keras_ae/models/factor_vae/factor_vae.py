"""FactorVAE: a VAE penalized by the total correlation of its code, which a
discriminator estimates, trained alongside with its own optimizer."""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import layers, ops

from keras_ae import losses as ae_losses
from keras_ae.blocks import dense_stack
from keras_ae.models.base import register_family
from keras_ae.models.vae.vae import VAE
from keras_ae.validation import check_non_negative, check_positive_int


def _default_discriminator_optimizer():
    # Kim and Mnih's discriminator settings.
    return keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9)


@register_family("factor_vae")
class FactorVAE(VAE):
    """FactorVAE (Kim and Mnih, 2018, "Disentangling by Factorising").

    The objective is the VAE's plus gamma * TC, TC the total correlation
    KL(q(z) || prod_d q(z_d)) of the code, estimated by a discriminator D
    (an MLP with leaky ReLUs, one logit) that tells draws of q(z) from
    draws of prod_d q(z_d): TC ~ E[log(D(z) / (1 - D(z)))], the mean logit.

    As in the paper, each batch `fit` gives is used as two independent
    halves: the VAE loss and the discriminator's joint samples come from
    the first half; the second half's codes, each unit shuffled across the
    half on its own (`permute_dims`), are the discriminator's samples of
    prod_d q(z_d). One step updates the VAE with `optimizer` and D with
    `discriminator_optimizer`, both from the same forward pass (the paper
    draws the second half's codes after the VAE update; here they come from
    the encoder before it). So the VAE sees half of each batch: pass twice
    the paper's batch size (2 x 64). Under `tf.distribute` each replica
    halves and shuffles its own share of the batch.

    `fit` shows `reconstruction_loss`, `kl_loss`, `tc_loss` and their sum
    `loss`, the unweighted `total_correlation`, and the discriminator's
    `discriminator_loss` and `discriminator_accuracy` (0.5: it cannot tell
    the code from its shuffled copy).

    Args:
        encoder, decoder, beta, kl_warmup_steps, likelihood, sigma,
            binarize, seed: as for `VAE` (beta = 1 in the paper).
        gamma: weight of the total correlation, >= 0 (tens on dSprites in
            the paper; more trades reconstruction for a more factorial code).
        discriminator_units: widths of D's hidden layers (the paper's six
            layers of 1000 units by default).

    Example:

    ```python
    model = keras_ae.models.FactorVAE.from_spec((64, 64, 1), latent_dim=10, gamma=35.0)
    model.compile(optimizer=keras.optimizers.Adam(1e-4),
                  discriminator_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9))
    model.fit(x_train, epochs=10, batch_size=128)
    ```
    """

    penalty_names = ("kl_loss", "tc_loss")
    monitor_names = ("total_correlation", "discriminator_loss", "discriminator_accuracy")

    def __init__(self, encoder, decoder, gamma=35.0, discriminator_units=(1000,) * 6, **kwargs):
        super().__init__(encoder, decoder, **kwargs)
        self.gamma = check_non_negative(gamma, "gamma")
        self.discriminator_units = tuple(check_positive_int(u, "discriminator_units") for u in discriminator_units)
        z = keras.Input((self.latent_dim,), name="z")
        # Keras's leaky ReLU has the paper's slope, 0.2.
        h = dense_stack(z, self.discriminator_units, "leaky_relu", name="discriminator")
        self.discriminator = keras.Model(z, layers.Dense(1, name="logit")(h), name="discriminator")
        self.discriminator_optimizer = None

    # === Objective ===

    def permute_dims(self, z):
        """`z` with each unit shuffled across the batch on its own: draws of
        prod_d q(z_d) (the seed generator's state is saved with the model)."""
        keys = keras.random.uniform(ops.shape(z), seed=self.sampler.seed_generator)
        return ops.take_along_axis(z, ops.argsort(keys, axis=0), axis=0)

    def discriminator_logits(self, z, training=False):
        flat = ops.reshape(z, (ops.shape(z)[0], self.latent_dim))
        # Float32 logits also under a mixed-precision policy.
        return ops.cast(ops.reshape(self.discriminator(flat, training=training), (-1,)), "float32")

    def compute_terms(self, x, target, sample_weight=None, training=False):
        target, mean, log_var, z = self.posterior_sample(x, target, training=training)
        # The halves: the larger is the first, which the VAE trains on.
        half = (ops.shape(x)[0] + 1) // 2
        reconstruction = self.decoder(z[:half], training=training)
        target = target[:half]
        if sample_weight is not None:
            sample_weight = sample_weight[:half]
        nll = self.negative_log_likelihood(target, reconstruction)
        kl = ae_losses.batch_mean(ae_losses.gaussian_kl(mean[:half], log_var[:half]), sample_weight)
        # One set of logits serves both losses: each optimizer takes the
        # gradient of its own loss only (see `train_step`).
        joint = self.discriminator_logits(z[:half], training)
        shuffled = self.discriminator_logits(self.permute_dims(z[half:]), training)
        tc = ae_losses.batch_mean(joint, sample_weight)
        correct = ops.concatenate([ops.cast(joint > 0, "float32"), ops.cast(shuffled <= 0, "float32")], axis=0)
        terms = {
            "reconstruction_loss": ae_losses.batch_mean(nll, sample_weight),
            "kl_loss": self.kl_term(kl),
            "tc_loss": self.gamma * tc,
            "total_correlation": tc,
            "discriminator_loss": ae_losses.discriminator_loss(joint, shuffled),
            "discriminator_accuracy": ops.mean(correct),
        }
        return reconstruction, terms

    # === Training ===

    def compile(self, optimizer="adam", discriminator_optimizer=None, **kwargs):
        """Configures training: `optimizer` for the encoder and decoder,
        `discriminator_optimizer` for D (Adam 1e-4, beta_1 0.5, beta_2 0.9,
        the paper's, when not given). No `loss`: the objective belongs to
        the model."""
        super().compile(optimizer=optimizer, **kwargs)
        # Loss-scaled under mixed_float16 as the GAN's players are (Keras
        # wraps `optimizer` itself).
        self.discriminator_optimizer = self.loss_scaled(
            keras.optimizers.get(discriminator_optimizer or _default_discriminator_optimizer())
        )
        # Built now, each on its own variables, so that a saved state has
        # variables of the right count to load into.
        self.optimizer.build(self.vae_variables())
        self.discriminator_optimizer.build(self.discriminator.trainable_variables)

    def get_compile_config(self):
        config = super().get_compile_config()
        config["discriminator_optimizer"] = keras.saving.serialize_keras_object(self.discriminator_optimizer)
        return config

    def compile_from_config(self, config):
        # `compile` builds both optimizers; the base's would build the VAE's
        # on the discriminator's variables as well.
        self.compile(**keras.saving.deserialize_keras_object(config))

    def vae_variables(self):
        """The trainable variables but D's: what `optimizer` updates."""
        own = {id(v) for v in self.discriminator.trainable_variables}
        return [v for v in self.trainable_variables if id(v) not in own]

    def train_step(self, data):
        x, target, sample_weight = self.unpack_batch(data)
        # Replica gradients are summed: each replica gives its share of the
        # global-batch mean (see keras_ae.losses).
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        with tf.GradientTape() as tape, tf.GradientTape() as discriminator_tape:
            reconstruction, terms = self.compute_terms(x, target, sample_weight, training=True)
            loss = tf.add_n([terms[name] for name in self.loss_terms()])
            scaled = self.optimizer.scale_loss(loss / replicas)
            d_scaled = self.discriminator_optimizer.scale_loss(terms["discriminator_loss"] / replicas)
        # The VAE's loss reaches D too (through tc_loss); D follows its own.
        variables = self.vae_variables()
        self.optimizer.apply(tape.gradient(scaled, variables), variables)
        variables = self.discriminator.trainable_variables
        self.discriminator_optimizer.apply(discriminator_tape.gradient(d_scaled, variables), variables)
        return self._track(x, target, sample_weight, reconstruction, loss, terms)

    def test_step(self, data):
        x, target, sample_weight = self.unpack_batch(data)
        reconstruction, terms = self.compute_terms(x, target, sample_weight, training=False)
        loss = tf.add_n([terms[name] for name in self.loss_terms()])
        return self._track(x, target, sample_weight, reconstruction, loss, terms)

    def _track(self, x, target, sample_weight, reconstruction, loss, terms):
        # The terms are means over the first half, which the reconstruction covers.
        half = ops.shape(reconstruction)[0]
        self.trackers["loss"].update_state(loss, sample_weight=half)
        for name, value in terms.items():
            self.trackers[name].update_state(value, sample_weight=half)
        if sample_weight is not None:
            sample_weight = sample_weight[:half]
        return self.compute_metrics(x[:half], target[:half], reconstruction, sample_weight)

    # === Config ===

    def get_config(self):
        config = super().get_config()
        config.update({"gamma": self.gamma, "discriminator_units": self.discriminator_units})
        return config
