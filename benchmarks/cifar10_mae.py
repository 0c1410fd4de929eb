"""Masked autoencoder on CIFAR-10, after keras.io's "Masked image modeling
with Autoencoders": pretraining, then a linear probe on the frozen encoder.

keras.io's protocol: the 50,000 training images split 40,000 to train on and
10,000 to validate; the 10,000 test images scored once. The MAE pretrains on
the 40,000 (no labels) for a fixed number of optimizer steps, AdamW with a
linear warm-up and a cosine decay defined by steps (not by wall time, so a
rerun repeats the run). The probe, as keras.io's: the frozen encoder's
features (here the mean of its patch tokens, `MaskedAutoencoder.encode`),
BatchNormalization(affine=False) and a softmax Dense layer trained with SGD
(momentum 0.9) on the 40,000 labelled training images; the epoch kept is
the one best on the 10,000 validation images; the test accuracy is
reported. The control: the same probe on the same encoder at its random
initialisation (the untrained model of the same seed).

keras.io's example pretrains at 48x48 (patches of 6) for 100 epochs; this
budget is for 2 CPU cores: 32x32 images, patches of 4 (64 patches, 16
shown), an encoder of 4 blocks of width 128, a decoder of 2 of width 64,
batch 256, 2,400 steps (15 epochs of the 40,000).

    nice -n 5 python benchmarks/cifar10_mae.py --data-dir ../shared/datasets \\
        --json benchmarks/results/cifar10_mae.json --picture benchmarks/results/cifar10_mae.png \\
        --save /tmp/mae_cifar10.keras
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

from keras_ae.cli import quiet_tensorflow  # noqa: E402

quiet_tensorflow()

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import keras_ae  # noqa: E402
from keras_ae import datasets, plotting, training  # noqa: E402

# The pretraining run: the zoo's mae_cifar10 recipe (zoo/recipes.py), which
# publishes this run's model.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "zoo"))
from recipes import RECIPES  # noqa: E402

RECIPE = RECIPES["mae_cifar10"]
MODEL = {"latent_dim": RECIPE.model["latent_dim"], **RECIPE.model["options"], "seed": RECIPE.fit["seed"]}
PRETRAIN = {k: v for k, v in RECIPE.fit.items() if k != "lr_schedule"}  # always warm-up then cosine
# keras.io's split of the training set.
TRAIN_IMAGES, VALIDATION_IMAGES = 40000, 10000
PROBE = {"epochs": 30, "batch_size": 256, "learning_rate": 0.1, "momentum": 0.9, "seed": 0}


def split(arrays, seed: int = 0):
    """keras.io's split: 40,000 training and 10,000 validation images, drawn
    from the training set in a fixed shuffle."""
    order = np.random.default_rng(seed).permutation(len(arrays.x_train))
    train, validation = order[:TRAIN_IMAGES], order[TRAIN_IMAGES:TRAIN_IMAGES + VALIDATION_IMAGES]
    return (arrays.x_train[train], arrays.y_train[train]), (arrays.x_train[validation], arrays.y_train[validation])


def build_model(input_shape=(32, 32, 3), options=MODEL, settings=PRETRAIN) -> keras_ae.MaskedAutoencoder:
    """The MAE of `options`, compiled for the pretraining run `settings`."""
    keras.utils.set_random_seed(settings["seed"])
    model = keras_ae.MaskedAutoencoder(input_shape, **options)
    schedule = keras.optimizers.schedules.CosineDecay(
        0.0, settings["steps"] - settings["warmup_steps"], warmup_target=settings["learning_rate"],
        warmup_steps=settings["warmup_steps"],
    )
    model.compile(optimizer=keras.optimizers.AdamW(schedule, weight_decay=settings["weight_decay"],
                                                   beta_2=settings["beta_2"]),
                  # XLA: twice as fast a step on 2 CPU cores (Keras leaves it off on CPUs by itself).
                  jit_compile=settings["jit_compile"])
    return model


def pretrain(model, x_train: np.ndarray, settings=PRETRAIN, verbose=2) -> dict:
    """Trains `model` for exactly `settings["steps"]` steps on uint8 images."""
    steps_per_epoch = min(160, settings["steps"])
    epochs = settings["steps"] // steps_per_epoch
    if epochs * steps_per_epoch != settings["steps"]:
        raise ValueError(f"`steps` must be a multiple of {steps_per_epoch}. Received: steps={settings['steps']}")
    data = (
        tf.data.Dataset.from_tensor_slices(x_train)
        .shuffle(len(x_train), seed=settings["seed"], reshuffle_each_iteration=True)
        .repeat()
        .batch(settings["batch_size"], drop_remainder=True)
        .map(lambda x: tf.cast(x, "float32") / 255.0)
        .prefetch(2)
    )
    started = time.perf_counter()
    history = model.fit(data, epochs=epochs, steps_per_epoch=steps_per_epoch, verbose=verbose)
    return {"seconds": round(time.perf_counter() - started, 1), "steps": int(model.optimizer.iterations),
            "loss": [round(v, 3) for v in history.history["loss"]]}


def linear_probe(train, validation, test) -> dict:
    """keras.io's probe on fixed features: BatchNormalization(affine=False)
    and a softmax layer, SGD with momentum; the epoch best on validation."""
    keras.utils.set_random_seed(PROBE["seed"])
    (f_train, y_train), (f_val, y_val), (f_test, y_test) = train, validation, test
    probe = keras.Sequential([
        keras.Input(f_train.shape[1:]),
        keras.layers.BatchNormalization(center=False, scale=False),
        keras.layers.Dense(10, activation="softmax"),
    ])
    steps = PROBE["epochs"] * int(np.ceil(len(f_train) / PROBE["batch_size"]))
    probe.compile(optimizer=keras.optimizers.SGD(keras.optimizers.schedules.CosineDecay(PROBE["learning_rate"], steps),
                                                 momentum=PROBE["momentum"]),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    best = keras.callbacks.ModelCheckpoint("/tmp/cifar10_mae_probe.weights.h5", monitor="val_accuracy",
                                           save_best_only=True, save_weights_only=True)
    history = probe.fit(f_train, y_train, validation_data=(f_val, y_val), epochs=PROBE["epochs"],
                        batch_size=PROBE["batch_size"], callbacks=[best], verbose=0)
    probe.load_weights("/tmp/cifar10_mae_probe.weights.h5")
    return {"validation_accuracy": round(max(history.history["val_accuracy"]), 4),
            "test_accuracy": round(float(probe.evaluate(f_test, y_test, verbose=0)[1]), 4)}


def probe_encoder(model, train, validation, test) -> dict:
    features = [(model.encode(x / np.float32(255.0)), y) for x, y in (train, validation, test)]
    return linear_probe(*features)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--json", default=None)
    parser.add_argument("--picture", default=None)
    parser.add_argument("--save", default=None, help="where to save the pretrained model (.keras)")
    args = parser.parse_args()

    started = time.perf_counter()
    arrays = datasets.load_arrays("cifar10", data_dir=args.data_dir)
    train, validation = split(arrays)
    test = (arrays.x_test, arrays.y_test)
    model = build_model(arrays.x_train.shape[1:])
    control = probe_encoder(model, train, validation, test)
    print("control (untrained encoder):", control, flush=True)
    run = pretrain(model, train[0])
    if args.save:
        model.save(args.save)
    probe = probe_encoder(model, train, validation, test)
    print("MAE probe:", probe, flush=True)
    x_test = arrays.x_test.astype("float32") / 255.0
    sse = float(np.mean(np.sum((model.reconstruct(x_test) - x_test) ** 2, axis=(1, 2, 3))))
    if args.picture:
        # The first test image of each class (the test set may come sorted by class).
        plotting.masked_reconstruction_grid(model, x_test[np.unique(arrays.y_test, return_index=True)[1]], args.picture,
                                            title="CIFAR-10 test: images, 75% of patches hidden, MAE's reconstruction")
    results = {
        "benchmark": "cifar10_mae", "protocol": "keras.io masked image modeling: 40k train / 10k val / 10k test",
        "model": MODEL, "pretrain": {**PRETRAIN, **run}, "probe_settings": PROBE,
        "parameters": int(model.count_params()),
        "probe": probe, "control_untrained_encoder": control,
        "keras_io_reference": {"test_accuracy": 0.479, "note": "48x48 images, patches of 6, 100 epochs"},
        "test_sse_per_image_masked_reconstruction": round(sse, 3),
        "wall_seconds": round(time.perf_counter() - started, 1), "cpu_threads": os.cpu_count(),
        "versions": training.versions(),
    }
    print(json.dumps(results, indent=2))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
