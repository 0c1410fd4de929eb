"""Training throughput: keras_ae's conv AE, VAE and DCGAN against plain
references of the same architectures, written the way the keras.io examples
write them (functional encoder/decoder, `fit(x, x)` with a built-in loss; a
`keras.Model` subclass with its own `train_step` for the VAE and the GAN), in
the same process on the same batches.

Each run is one epoch of `fit` over the same MNIST digits after a warm-up
epoch (tracing excluded), every step timed; ours and the reference
alternate (and which goes first), and the batch size over the median step
time of all runs is reported, in training samples per second, with the
ratio ours / reference. Then the same with XLA (`jit_compile=True`) for
both, and, on a GPU, with mixed precision.

    python benchmarks/throughput.py --data-dir ../shared/datasets --json benchmarks/results/throughput.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

from keras_ae.cli import quiet_tensorflow  # noqa: E402

quiet_tensorflow()

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import layers, ops  # noqa: E402

import keras_ae  # noqa: E402
from keras_ae import datasets  # noqa: E402

LATENT = {"conv_ae": 32, "vae": 2, "dcgan": 64}


# === The keras.io-style references ===


def reference_conv_ae():
    encoder_inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(32, 3, activation="relu", strides=2, padding="same")(encoder_inputs)
    x = layers.Conv2D(64, 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Flatten()(x)
    latent = layers.Dense(LATENT["conv_ae"])(x)
    x = layers.Dense(7 * 7 * 64, activation="relu")(latent)
    x = layers.Reshape((7, 7, 64))(x)
    x = layers.Conv2DTranspose(64, 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Conv2DTranspose(32, 3, activation="relu", strides=2, padding="same")(x)
    decoded = layers.Conv2D(1, 3, activation="sigmoid", padding="same")(x)
    autoencoder = keras.Model(encoder_inputs, decoded)
    autoencoder.compile(optimizer="adam", loss="mse")
    return autoencoder


class Sampling(layers.Layer):
    """Uses (z_mean, z_log_var) to sample z, the vector encoding a digit."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(1337)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        batch = ops.shape(z_mean)[0]
        dim = ops.shape(z_mean)[1]
        epsilon = keras.random.normal(shape=(batch, dim), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon


class ReferenceVAE(keras.Model):
    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.total_loss_tracker = keras.metrics.Mean(name="total_loss")
        self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

    @property
    def metrics(self):
        return [self.total_loss_tracker, self.reconstruction_loss_tracker, self.kl_loss_tracker]

    def train_step(self, data):
        with tf.GradientTape() as tape:
            z_mean, z_log_var, z = self.encoder(data)
            reconstruction = self.decoder(z)
            reconstruction_loss = ops.mean(
                ops.sum(keras.losses.binary_crossentropy(data, reconstruction), axis=(1, 2))
            )
            kl_loss = -0.5 * (1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))
            kl_loss = ops.mean(ops.sum(kl_loss, axis=1))
            total_loss = reconstruction_loss + kl_loss
        grads = tape.gradient(total_loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        self.total_loss_tracker.update_state(total_loss)
        self.reconstruction_loss_tracker.update_state(reconstruction_loss)
        self.kl_loss_tracker.update_state(kl_loss)
        return {m.name: m.result() for m in self.metrics}


def reference_vae():
    latent_dim = LATENT["vae"]
    encoder_inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(32, 3, activation="relu", strides=2, padding="same")(encoder_inputs)
    x = layers.Conv2D(64, 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Flatten()(x)
    x = layers.Dense(16, activation="relu")(x)
    z_mean = layers.Dense(latent_dim, name="z_mean")(x)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(x)
    z = Sampling()([z_mean, z_log_var])
    encoder = keras.Model(encoder_inputs, [z_mean, z_log_var, z], name="encoder")
    latent_inputs = keras.Input(shape=(latent_dim,))
    x = layers.Dense(16, activation="relu")(latent_inputs)
    x = layers.Dense(7 * 7 * 64, activation="relu")(x)
    x = layers.Reshape((7, 7, 64))(x)
    x = layers.Conv2DTranspose(64, 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Conv2DTranspose(32, 3, activation="relu", strides=2, padding="same")(x)
    decoder_outputs = layers.Conv2D(1, 3, activation="sigmoid", padding="same")(x)
    decoder = keras.Model(latent_inputs, decoder_outputs, name="decoder")
    vae = ReferenceVAE(encoder, decoder)
    vae.compile(optimizer=keras.optimizers.Adam())
    return vae


class ReferenceGAN(keras.Model):
    def __init__(self, discriminator, generator, latent_dim):
        super().__init__()
        self.discriminator = discriminator
        self.generator = generator
        self.latent_dim = latent_dim
        self.seed_generator = keras.random.SeedGenerator(1337)

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile()
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn
        self.d_loss_metric = keras.metrics.Mean(name="d_loss")
        self.g_loss_metric = keras.metrics.Mean(name="g_loss")

    @property
    def metrics(self):
        return [self.d_loss_metric, self.g_loss_metric]

    def train_step(self, real_images):
        batch_size = ops.shape(real_images)[0]
        random_latent_vectors = keras.random.normal(shape=(batch_size, self.latent_dim), seed=self.seed_generator)
        # training=True (keras.io leaves it out: its generator has no batch
        # norm): this one's batch norm must use batch statistics, as ours does.
        generated_images = self.generator(random_latent_vectors, training=True)
        combined_images = ops.concatenate([generated_images, real_images], axis=0)
        labels = ops.concatenate([ops.ones((batch_size, 1)), ops.zeros((batch_size, 1))], axis=0)
        with tf.GradientTape() as tape:
            predictions = self.discriminator(combined_images)
            d_loss = self.loss_fn(labels, predictions)
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))
        random_latent_vectors = keras.random.normal(shape=(batch_size, self.latent_dim), seed=self.seed_generator)
        misleading_labels = ops.zeros((batch_size, 1))
        with tf.GradientTape() as tape:
            predictions = self.discriminator(self.generator(random_latent_vectors, training=True))
            g_loss = self.loss_fn(misleading_labels, predictions)
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))
        self.d_loss_metric.update_state(d_loss)
        self.g_loss_metric.update_state(g_loss)
        return {"d_loss": self.d_loss_metric.result(), "g_loss": self.g_loss_metric.result()}


def reference_dcgan():
    latent_dim = LATENT["dcgan"]
    discriminator = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(32, kernel_size=4, strides=2, padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2D(64, kernel_size=4, strides=2, padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Flatten(),
            layers.Dense(1),
        ],
        name="discriminator",
    )
    generator = keras.Sequential(
        [
            keras.Input(shape=(latent_dim,)),
            layers.Dense(7 * 7 * 64, use_bias=False),
            layers.BatchNormalization(),
            layers.ReLU(),
            layers.Reshape((7, 7, 64)),
            layers.Conv2DTranspose(64, kernel_size=4, strides=2, padding="same", use_bias=False),
            layers.BatchNormalization(),
            layers.ReLU(),
            layers.Conv2DTranspose(32, kernel_size=4, strides=2, padding="same", use_bias=False),
            layers.BatchNormalization(),
            layers.ReLU(),
            layers.Conv2D(1, kernel_size=4, padding="same", activation="sigmoid"),
        ],
        name="generator",
    )
    gan = ReferenceGAN(discriminator=discriminator, generator=generator, latent_dim=latent_dim)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(learning_rate=0.0002, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(learning_rate=0.0002, beta_1=0.5),
        loss_fn=keras.losses.BinaryCrossentropy(from_logits=True),
    )
    return gan


# === keras_ae ===


def ours(name: str):
    if name == "conv_ae":
        model = keras_ae.ConvAutoencoder((28, 28, 1), LATENT["conv_ae"], filters=(32, 64))
        model.compile(optimizer="adam")
    elif name == "vae":
        model = keras_ae.VAE.from_spec((28, 28, 1), LATENT["vae"], architecture="conv",
                                       architecture_options={"filters": (32, 64), "dense_units": (16,)})
        model.compile(optimizer=keras.optimizers.Adam())
    else:
        model = keras_ae.GAN.from_spec((28, 28, 1), LATENT["dcgan"], filters=(32, 64), kernel_size=4, seed=0)
        model.compile()
    return model


REFERENCES = {"conv_ae": reference_conv_ae, "vae": reference_vae, "dcgan": reference_dcgan}


def parameters(model) -> int:
    """Float weights (a seed generator's integer state is not a parameter)."""
    return sum(int(np.prod(w.shape)) for w in model.weights if "float" in str(w.dtype))


def with_jit(model, jit: bool):
    model.jit_compile = jit
    model.make_train_function(force=True)
    return model


class StepClock(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.ends = []

    def on_train_batch_end(self, batch, logs=None):
        self.ends.append(time.perf_counter())


def measure(model, dataset, supervised: bool) -> list[float]:
    """The durations of the steps of one epoch, each from the end of the
    step before to its own end (the epoch's start and end, iterator set-up
    and tear-down, are left out)."""
    data = dataset.map(lambda x: (x, x)) if supervised else dataset
    clock = StepClock()
    model.fit(data, epochs=1, verbose=0, callbacks=[clock])
    # Keras turns the logs into numbers for a callback at every step, so
    # each step has finished when its end is timed.
    return list(np.diff(clock.ends))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--examples", type=int, default=6144, help="training digits per timed epoch")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--models", default="conv_ae,vae,dcgan")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    x = datasets.load_arrays("mnist", data_dir=args.data_dir).x_train[: args.examples].astype("float32") / 255.0
    dataset = tf.data.Dataset.from_tensor_slices(x).batch(args.batch_size).cache().prefetch(tf.data.AUTOTUNE)
    gpu = bool(tf.config.list_physical_devices("GPU"))
    settings = [("default", False, "float32"), ("xla", True, "float32")]
    if gpu:
        settings += [("mixed_float16 + xla", True, "mixed_float16")]
    results = {"device": "GPU" if gpu else f"CPU ({os.cpu_count()} threads)", "examples": len(x),
               "batch_size": args.batch_size, "runs": args.runs, "models": {}}
    for name in args.models.split(","):
        results["models"][name] = {}
        for label, jit, policy in settings:
            keras.mixed_precision.set_global_policy(policy)
            keras.utils.set_random_seed(0)
            pair = {"ours": with_jit(ours(name), jit), "reference": with_jit(REFERENCES[name](), jit)}
            sizes = {k: parameters(m) for k, m in pair.items()}
            assert sizes["ours"] == sizes["reference"], (name, sizes)  # the same architecture
            supervised = {"ours": False, "reference": name == "conv_ae"}
            for key, model in pair.items():  # warm-up: tracing and compilation
                measure(model, dataset, supervised[key])
            steps = {"ours": [], "reference": []}
            for run in range(args.runs):
                # Alternate who goes first, so neither always follows the other.
                for key in (("ours", "reference") if run % 2 == 0 else ("reference", "ours")):
                    steps[key] += measure(pair[key], dataset, supervised[key])
            # The median step: a shared 2-core CPU stalls now and then (other
            # processes, collection), and a stall hits one step, not the median.
            entry = {k: round(args.batch_size / statistics.median(v), 1) for k, v in steps.items()}
            entry["ratio"] = round(entry["ours"] / entry["reference"], 3)
            entry["parameters"] = sizes["ours"]
            results["models"][name][label] = entry
            print(f"{name:8s} {label:20s} ours {entry['ours']:8.1f}/s  reference {entry['reference']:8.1f}/s  "
                  f"ratio {entry['ratio']:.3f}", flush=True)
    keras.mixed_precision.set_global_policy("float32")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
