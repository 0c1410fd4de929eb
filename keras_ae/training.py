"""The main job as a library call: train a family on a data set, evaluate it
against PCA at the same code size, and write the run's folder."""

from __future__ import annotations

import inspect
import os
import sys
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from keras_ae import catalog, datasets, distribute, evaluation, plotting
from keras_ae.callbacks import GenerationProgress
from keras_ae.models import get_family
from keras_ae.models.build import build_family, resolve_options, split_options  # noqa: F401  (and re-exported)
from keras_ae.validation import check_choice, check_positive_int

# Where these lived before the run folder's helpers had a module of their
# own (`keras_ae.outputs`) and a saved model's evaluation went to `keras_ae.evaluation`.
from keras_ae.evaluation import evaluate, load_matching_arrays  # noqa: F401, E402
from keras_ae.outputs import check_output_dir, load_saved_model, staged_output, versions, write_run  # noqa: F401, E402


def onednn_enabled() -> bool | None:
    """Whether TensorFlow runs its oneDNN CPU kernels in this process, as
    TF_ENABLE_ONEDNN_OPTS and the CPU decided when it loaded (they change
    the round-off, and the speed several-fold on some CPUs); None if this
    TensorFlow cannot say."""
    try:
        from tensorflow.python.util import _pywrap_util_port
    except ImportError:
        return None
    return bool(_pywrap_util_port.IsMklEnabled())


def train(
    family: str,
    dataset: str = "mnist_sample",
    *,
    epochs: int = 10,
    batch_size: int = 32,
    latent_dim: int = 32,
    learning_rate: float | None = None,
    lr_schedule: str = "constant",
    seed: int = 0,
    architecture: str | None = None,
    options: dict | None = None,
    data_dir: str | os.PathLike | None = None,
    out: str | os.PathLike | None = None,
    overwrite: bool = False,
    verbose: int | str = "auto",
    strategy: str = "auto",
    precision: str = "float32",
    jit_compile: bool = False,
    backup_dir: str | os.PathLike | None = None,
    deterministic: bool = True,
    train_examples: int | None = None,
    augment: str | None = None,
    callbacks: list | None = None,
) -> dict:
    """Trains `family` on `dataset` and returns the metrics.

    With `out`, also writes `model.keras`, `history.json`, `metrics.json` and
    pictures there, all or nothing: `reconstructions.png` for an
    autoencoder; `samples.png` and `progress.png` (the same codes decoded
    after each epoch) for a GAN.

    Args:
        family: a name from `keras_ae.FAMILIES`.
        dataset: a name from `keras_ae.datasets.DATASETS`.
        epochs, batch_size, latent_dim: the usual.
        learning_rate: Adam's step (default 1e-3; 2e-4 with beta_1 = 0.5
            for both players of a GAN, as in DCGAN).
        lr_schedule: `"constant"`, or `"cosine"`: the step decays to 0 over
            the run (`keras.optimizers.schedules.CosineDecay`; a resumed run
            picks it up at the optimizer's saved iteration).
        seed: seeds weights, shuffling and noise (`keras.utils.set_random_seed`).
        architecture: `"dense"` or `"conv"` (the family's default if None;
            a GAN has its own DCGAN networks).
        options: the family's or the architecture's keyword arguments.
        data_dir: folder with the data set's files (see `keras_ae.datasets`).
        out: the run's folder.
        overwrite: replace a non-empty `out`.
        verbose: Keras's `fit` verbosity; "auto" shows progress bars on a
            terminal and one line per epoch otherwise.
        strategy: `"auto"`, `"one_device"`, `"mirrored"` or `"multi_worker"`
            (see `keras_ae.distribute.get_strategy`); `batch_size` is the
            global batch, split among the replicas.
        precision: `"float32"`, `"mixed_float16"` (with loss scaling) or
            `"mixed_bfloat16"`; the losses are computed in float32 either way.
        jit_compile: compile the train step with XLA.
        backup_dir: back up after every epoch and resume from there when the
            run is started again after being killed (see
            `keras_ae.distribute.Backup`).
        deterministic: turn on TensorFlow's op determinism, so that the same
            `seed` gives the same weights run after run.
        train_examples: train on the first N training examples only.
        augment: `"flip"` mirrors a new half of the training images each
            epoch (see `keras_ae.datasets.make_pipeline`); None trains on
            them as they are.
        callbacks: more Keras callbacks for `fit`.
    """
    family_cls = get_family(family)
    # A generator without an encoder (a GAN): no reconstruction to score.
    adversarial = not family_cls.has_encoder
    check_choice(dataset, datasets.DATASETS, "dataset")
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    latent_dim = check_positive_int(latent_dim, "latent_dim")
    if learning_rate is None:
        learning_rate = family_cls.default_learning_rate
    architecture, family_options, network_options = resolve_options(family, architecture, options)
    options = {**family_options, **network_options}
    check_choice(precision, PRECISIONS, "precision")
    check_choice(lr_schedule, LR_SCHEDULES, "lr_schedule")
    check_choice(augment, datasets.AUGMENTATIONS, "augment")
    if out is not None:
        check_output_dir(out, overwrite)
    # What decides the weights: the head of the metrics, and saved with every
    # backup (one made under other settings is refused here, before any data
    # loads, instead of resumed).
    run = {
        "family": family, "dataset": dataset, "architecture": architecture, "options": options,
        "latent_dim": latent_dim, "epochs": epochs, "batch_size": batch_size, "learning_rate": learning_rate,
        "lr_schedule": lr_schedule, "augment": augment, "seed": seed, "precision": precision,
    }
    backup = None
    if backup_dir is not None:
        backup = distribute.Backup(backup_dir, settings={**run, "train_examples": train_examples})
        backup.check()
    if verbose == "auto":
        verbose = 1 if sys.stdout.isatty() else 2

    # Made first: a multi-worker strategy must exist before other TF work.
    strategy_name, strategy = strategy, distribute.get_strategy(strategy)
    catalog.check_xla(jit_compile, deterministic)
    _set_op_determinism(deterministic)
    keras.utils.set_random_seed(seed)
    # A conditional family trains on (images, labels) and learns every class.
    conditional = family_cls.conditional
    epoch = tf.Variable(0, dtype=tf.int64, trainable=False, name="epoch")
    train_ds, test_ds, arrays = datasets.load(
        dataset, batch_size=batch_size, seed=seed, data_dir=data_dir, labels=conditional, epoch=epoch,
        train_examples=train_examples, augment=augment,
    )
    input_shape = arrays.x_train.shape[1:]
    step_size = learning_rate
    if lr_schedule == "cosine":
        # The schedule is part of the optimizer, so it is saved with the
        # model and a backup resumes it at the optimizer's own step.
        step_size = keras.optimizers.schedules.CosineDecay(learning_rate, epochs * len(train_ds))
    x_test = arrays.x_test
    if family_cls.sequence_data:
        # A sequence family reads each image's rows as its time steps.
        height, width, channels = input_shape
        input_shape = (height, width * channels)
        train_ds, test_ds = (ds.map(lambda x: tf.reshape(x, (-1, *input_shape))) for ds in (train_ds, test_ds))
        x_test = x_test.reshape(len(x_test), *input_shape)
    train_ds, test_ds = distribute.shard_by_data(train_ds), distribute.shard_by_data(test_ds)
    # What the run sets itself beside the user's options.
    settings = {}
    if conditional:
        settings["num_classes"] = len(arrays.class_names)
    if "dataset_size" in inspect.signature(family_cls.__init__).parameters and "dataset_size" not in options:
        # beta-TCVAE's total-correlation estimate weighs the batch against the data set.
        settings["dataset_size"] = len(arrays.x_train)
    family_options.update(settings)
    callbacks = [keras.callbacks.TerminateOnNaN(), distribute.EpochCounter(epoch), *(callbacks or [])]
    if backup is not None:
        callbacks.append(backup)
    previous_policy = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(precision)
    try:
        with strategy.scope():
            model = build_family(family, input_shape, latent_dim, options, architecture,
                                 **settings, **({"seed": seed} if adversarial else {}))
            model.compile(**family_cls.default_optimizers(step_size), jit_compile=jit_compile)
    finally:
        keras.mixed_precision.set_global_policy(previous_policy)
    if adversarial:
        callbacks.append(GenerationProgress(n=10, seed=seed))

    started = time.perf_counter()
    history = model.fit(train_ds, epochs=epochs, validation_data=test_ds, verbose=verbose, callbacks=callbacks)
    train_seconds = time.perf_counter() - started
    if hasattr(model, "fit_prior"):
        # A family with a learned prior over its codes (vq_vae) trains it on
        # the encoded training set once the codes are final, so the saved
        # model samples.
        with strategy.scope():
            model.fit_prior(evaluation._as_unit_float(arrays.x_train[:train_examples]), epochs=epochs,
                            batch_size=batch_size, verbose=verbose)
    distribute.barrier(strategy)
    watched = "d_loss" if adversarial else "loss"
    if not np.isfinite(history.history[watched][-1]):
        raise ValueError(
            f"Training diverged (the loss became NaN or infinite). Lower the learning "
            f"rate. Received: learning_rate={learning_rate}"
        )

    metrics = {
        **run,
        "data_source": arrays.source,
        # With what the run set itself (num_classes, dataset_size).
        "options": {**family_options, **network_options},
        "parameters": int(model.count_params()),
        "train_seconds": round(train_seconds, 1),
        "strategy": strategy_name,
        "replicas": strategy.num_replicas_in_sync,
        "jit_compile": jit_compile,
        "onednn": onednn_enabled(),
    }
    if not distribute.is_chief(strategy):
        # Only the chief evaluates and writes; a worker's share ends here.
        return {**metrics, "chief": False}
    trained = model
    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        # predict() under the multi-worker strategy is a collective every
        # worker would have to join: the chief evaluates a local copy (and
        # saves the trained model itself, optimizer state included).
        model = _local_copy(model)
    test_labels = arrays.y_test if conditional else None
    if adversarial:
        # A GAN has no reconstruction to score: report where the game ended
        # on the test images (the benchmarks judge the samples themselves).
        metrics["test"] = {name: history.history[f"val_{name}"][-1] for name in model.trackers}
    else:
        metrics["test"] = evaluation.evaluate_model(model, x_test, labels=test_labels)
        metrics["pca"] = evaluation.pca_baseline(
            arrays.x_train, arrays.x_test, min(latent_dim, int(np.prod(input_shape)))
        )
    metrics["versions"] = versions()
    if out is not None:
        with staged_output(out, overwrite) as staging:
            write_run(staging, trained, history.history, metrics)
            if adversarial:
                write_generator_pictures(staging, model, callbacks[-1], seed)
            else:
                write_reconstructions(staging, model, metrics, arrays.x_test, test_labels)
    return metrics


PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")
LR_SCHEDULES = ("constant", "cosine")


def _set_op_determinism(on: bool) -> None:
    """Op determinism for this run only: it is process-wide and TensorFlow
    has no public switch back, so a later run in the same process (an XLA
    one, say) would inherit it."""
    from tensorflow.python.framework import config

    if on:
        config.enable_op_determinism()
    elif config.is_op_determinism_enabled():
        config.disable_op_determinism()


def _local_copy(model):
    """The same model and weights, built outside any strategy (for inference)."""
    copy = type(model).from_config(model.get_config())
    copy.set_weights(model.get_weights())
    return copy


def write_reconstructions(folder: Path, model, metrics: dict, x_test: np.ndarray, y_test=None) -> None:
    """An autoencoder run's picture: test examples above their
    reconstructions (`y_test`: the labels a conditional model needs)."""
    x = x_test[:10].astype("float32") / 255.0
    title = (
        f"{metrics['family']} on {metrics['dataset']}: test SSE/image "
        f"{metrics['test']['sse_per_image']:.2f} (PCA at {metrics['pca']['n_components']}: "
        f"{metrics['pca']['sse_per_image']:.2f})"
    )
    labels = () if y_test is None else (y_test[:10],)
    # A sequence model's examples are the images' rows (see `train`).
    reconstruction = model.reconstruct(x.reshape(len(x), *model.data_shape), *labels).reshape(x.shape)
    plotting.reconstruction_grid(x, reconstruction, folder / "reconstructions.png", title)


def write_generator_pictures(folder: Path, model, progress: GenerationProgress, seed: int) -> None:
    """A GAN run's pictures: 64 samples, and the generator's progress."""
    plotting.image_grid(model.sample(64, seed=seed), folder / "samples.png", title=f"64 samples of the {model.family} model")
    rows = progress.images
    plotting.image_grid(
        rows.reshape(-1, *rows.shape[2:]), folder / "progress.png", columns=rows.shape[1],
        title=f"The same {rows.shape[1]} codes after each of {len(rows)} epochs (rows)",
    )
