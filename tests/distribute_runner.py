"""Training runs for the distribution tests, each in a fresh process (a
process's devices and its multi-worker cluster are fixed at start-up).

    python tests/distribute_runner.py parity FAMILY[,FAMILY...] OUT.npz
        three SGD steps on one CPU and under MirroredStrategy over two
        logical CPUs, from the same weights on the same batches, of each
        family's model as its test class declares it (tests/families.py;
        "naive": a negative control, an unscaled hand-written train_step);
    python tests/distribute_runner.py upstream conv OUT.json --worker I --ports P0,P1
        Keras's fit under MultiWorkerMirroredStrategy without keras_ae's
        patch: does it still fail the known way?
    python tests/distribute_runner.py train FAMILY OUT.npz [--strategy S]
        [--worker I --ports P0,P1] [--backup DIR] [--kill-at EPOCH]
        `keras_ae.training.train` on 256 embedded MNIST digits (3 epochs,
        global batch 32); writes the final weights. `--kill-at` ends the
        process abruptly when that epoch begins, as a crash would.

    python tests/distribute_runner.py draws FAMILY[,FAMILY...] OUT.npz [--worker I --ports P0,P1]
        each stochastic family's draws (eps, binarization, corruption,
        codes, permutations; its test class's `draws`) inside `strategy.run` on two logical CPUs, or
        on one replica per worker: two steps, then the same seed again, then
        a model restored from a save between the steps; the same input on
        every replica, so only the random streams can differ.

In `parity` and `train`, random draws inside a step (the VAE's eps, the
GAN's codes) are replaced by a fixed function of each example, so that
splitting a batch across replicas cannot change them: what is compared is
the arithmetic of the distributed step, not the random streams (each
replica draws its own stream, which `draws` checks).
"""

import argparse
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

parser = argparse.ArgumentParser()
parser.add_argument("mode", choices=("parity", "train", "upstream", "draws"))
parser.add_argument("family")
parser.add_argument("out")
parser.add_argument("--strategy", default="one_device")
parser.add_argument("--worker", type=int)
parser.add_argument("--ports")
parser.add_argument("--backup")
parser.add_argument("--kill-at", type=int)
args = parser.parse_args()

if args.worker is not None:
    workers = [f"127.0.0.1:{p}" for p in args.ports.split(",")]
    os.environ["TF_CONFIG"] = json.dumps({"cluster": {"worker": workers}, "task": {"type": "worker", "index": args.worker}})

import tensorflow as tf  # noqa: E402

if args.mode == "parity" or (args.mode == "draws" and args.worker is None):
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import ops  # noqa: E402

import keras_ae  # noqa: E402
from keras_ae import layers as ae_layers  # noqa: E402
from keras_ae import training  # noqa: E402
from tests import families  # noqa: E402
from tests.family_test_base import optimizers  # noqa: E402


def _fixed_eps(self, inputs):
    mean, log_var = inputs
    return mean + ops.exp(0.5 * log_var) * ops.sin(13.0 * mean + 1.0)


_PROJECTION = np.random.default_rng(0).standard_normal((784, 8)).astype("float32") / 8.0


def _fixed_codes(self, x):
    flat = ops.reshape(ops.cast(x, "float32"), (ops.shape(x)[0], -1))
    return ops.sin(ops.matmul(flat, _PROJECTION[:, : self.latent_shape[0]]))


if args.mode in ("parity", "train"):
    ae_layers.GaussianSampler.call = _fixed_eps
    keras_ae.GAN.prior_noise = _fixed_codes


class NaiveAutoencoder(keras.Model):
    """The negative control: a train_step written the obvious way, with an
    unscaled `ops.mean` loss. Replica gradients are summed, so on N
    replicas it takes N-times steps (keras_ae's models must not)."""

    def __init__(self):
        super().__init__()
        self.encoder = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(8)])
        self.decoder = keras.Sequential([keras.Input((8,)), keras.layers.Dense(784), keras.layers.Reshape((28, 28, 1))])

    def call(self, x):
        return self.decoder(self.encoder(x))

    def train_step(self, x):
        with tf.GradientTape() as tape:
            loss = ops.mean(ops.sum(ops.square(self(x) - x), axis=(1, 2, 3)))
        gradients = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply(gradients, self.trainable_variables)
        return {"loss": loss}


def optimizer():
    # Plain SGD: its step is proportional to the gradient, so a gradient
    # N times too large shows as a step N times too large. Adam would hide
    # it (its step barely depends on the gradient's scale) and would turn
    # float rounding in near-zero gradients into full-size steps.
    return keras.optimizers.SGD(1e-3)


def make(family):
    """`family`'s two-replica model (its test class's declaration), or the
    negative control, compiled with SGD for each of its optimizers."""
    keras.utils.set_random_seed(0)
    if family == "naive":
        model = NaiveAutoencoder()
        model.build((None, 28, 28, 1))
        model.compile(optimizer=optimizer())
        return model
    declared = families.declaration(family)
    model = declared.two_replica_model()
    model.compile(**{name: optimizer() for name in declared.family_cls.default_optimizers()})
    return model


def batches(family, digits):
    """The family's 24 training examples (labels too, for a conditional
    one) in batches of 8."""
    if family == "naive":
        return tf.data.Dataset.from_tensor_slices(digits).batch(8)
    declared = families.declaration(family)
    data = declared.inputs(declared.examples(digits))
    return tf.data.Dataset.from_tensor_slices(data if len(data) > 1 else data[0]).batch(8)


def parity():
    x = keras_ae.datasets.load_arrays("mnist_sample").x_train[:24].astype("float32") / 255.0
    one = tf.distribute.OneDeviceStrategy("/cpu:0")
    two = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    assert two.num_replicas_in_sync == 2
    results = {}
    for family in args.family.split(","):
        with one.scope():
            initial = [np.asarray(w) for w in make(family).weights]
        for i, w in enumerate(initial):
            results[f"{family}/initial/{i}"] = w
        for name, strategy in (("one", one), ("two", two)):
            with strategy.scope():
                model = make(family)
            before = {id(v): np.asarray(v) for v in model.trainable_weights}
            # Three steps of a global batch of 8, in order.
            history = model.fit(batches(family, x), epochs=1, verbose=0).history
            for i, w in enumerate(model.weights):
                results[f"{family}/{name}/{i}"] = np.asarray(w)
            trained = optimizers(model)
            results[f"{family}/{name}/steps"] = np.array([int(o.iterations.numpy()) for o in trained])
            # How far each optimizer moved the variables it trains.
            results[f"{family}/{name}/moved"] = np.array(
                [max(float(np.abs(np.asarray(v) - before[id(v)]).max()) for v in o._trainable_variables) for o in trained])
            results[f"{family}/{name}/finite"] = np.array(all(np.isfinite(v[-1]) for v in history.values()))
    np.savez(args.out, **results)


class SaveWeightsAtEnd(keras.callbacks.Callback):
    def on_train_end(self, logs=None):
        np.savez(args.out, *[np.asarray(w) for w in self.model.weights])


class CrashAt(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        if epoch == args.kill_at:
            os._exit(17)


def train():
    options = {"filters": (8, 16)}
    architecture = "conv" if args.family == "vae" else None
    callbacks = [SaveWeightsAtEnd()] + ([CrashAt()] if args.kill_at is not None else [])
    training.train(
        args.family, "mnist_sample", epochs=3, batch_size=32, latent_dim=4, seed=0, architecture=architecture,
        options=options, strategy=args.strategy, backup_dir=args.backup, train_examples=256, callbacks=callbacks,
        verbose=0,
    )


def upstream():
    """Keras's own fit under MultiWorkerMirroredStrategy, without keras_ae's
    patch: writes whether it still fails the known way."""
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    with strategy.scope():
        model = make("conv")
    x = keras_ae.datasets.load_arrays("mnist_sample").x_train[:32].astype("float32") / 255.0
    try:
        model.fit(tf.data.Dataset.from_tensor_slices(x).batch(16), epochs=1, verbose=0)
        outcome = {"fails": False}
    except ValueError as error:
        outcome = {"fails": "Invalid reduction dimension" in str(error), "message": str(error)[:300]}
    with open(args.out, "w") as f:
        json.dump(outcome, f)


# === Draws ===

# Each stochastic family's draws are its test class's `draws(model, x, y)`
# on its `draws_model()` (tests/family_test_base.py).


def draws():
    if args.worker is None:
        strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    else:
        from keras_ae import distribute

        strategy = distribute.get_strategy("multi_worker")
    arrays = keras_ae.datasets.load_arrays("mnist_sample")
    x, y = arrays.x_train[:4].astype("float32") / 255.0, arrays.y_train[:4].astype("int32")
    results = {}
    for family in args.family.split(","):
        declared = families.declaration(family)
        build, draw = declared.draws_model, declared.draws

        def model(weights=None):
            keras.utils.set_random_seed(0)  # the same networks every time, on every worker
            with strategy.scope():
                made = build()
                if weights:
                    made.load_weights(weights)
            return made

        def run(made):
            @tf.function(autograph=False)
            def step():
                return strategy.run(draw, (made, tf.constant(x), tf.constant(y)))

            return {k: np.stack([np.asarray(v) for v in strategy.experimental_local_results(t)])
                    for k, t in step().items()}

        first = model()
        saved = os.path.join(os.path.dirname(os.path.abspath(args.out)), f"{family}-{args.worker}.weights.h5")
        runs = {"step1": run(first)}
        first.save_weights(saved)  # between the steps: the state a resumed run starts from
        runs["step2"] = run(first)
        runs["again"] = run(model())  # a fresh model of the same seed
        runs["resumed"] = run(model(saved))
        for name, drawn in runs.items():
            for key, value in drawn.items():
                results[f"{family}/{name}/{key}"] = value
    np.savez(args.out, **results)


{"parity": parity, "train": train, "upstream": upstream, "draws": draws}[args.mode]()
