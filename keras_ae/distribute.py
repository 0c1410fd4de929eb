"""Training on one device, many GPUs or many machines with `tf.distribute`:
the strategy by name, inputs sharded explicitly, a per-epoch shuffle that a
resumed run repeats exactly, a chief-only backup, and a barrier."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

import keras
import tensorflow as tf

from keras_ae.validation import check_choice

STRATEGIES = ("auto", "one_device", "mirrored", "multi_worker")


def get_strategy(name: str = "auto") -> tf.distribute.Strategy:
    """A strategy by name.

    - `"auto"`: MirroredStrategy over every visible GPU, else one device (the CPU);
    - `"one_device"`: the first GPU, else the CPU;
    - `"mirrored"`: MirroredStrategy over every visible GPU, else over every
      logical CPU device (set up with `tf.config.set_logical_device_configuration`);
    - `"multi_worker"`: MultiWorkerMirroredStrategy over the cluster in
      `TF_CONFIG` (see `keras_ae.multi_worker`).
    """
    check_choice(name, STRATEGIES, "strategy")
    if name == "multi_worker":
        from keras_ae import multi_worker

        return multi_worker.strategy()
    gpus = [d.name for d in tf.config.list_logical_devices("GPU")]
    if name == "one_device" or (name == "auto" and not gpus):
        return tf.distribute.OneDeviceStrategy(gpus[0] if gpus else "/cpu:0")
    devices = gpus or [d.name for d in tf.config.list_logical_devices("CPU")]
    return tf.distribute.MirroredStrategy(devices)


def shard_by_data(dataset: tf.data.Dataset) -> tf.data.Dataset:
    """Marks `dataset` to be split across workers by element (each global
    batch is divided among the replicas), never by file: keras_ae's
    pipelines read arrays, and AUTO would only fall back to this silently."""
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.with_options(options)


def is_chief(strategy: tf.distribute.Strategy | None = None) -> bool:
    """True on the one worker that writes files: the "chief" task, else
    worker 0; always True outside multi-worker training."""
    strategy = strategy or tf.distribute.get_strategy()
    resolver = getattr(strategy, "cluster_resolver", None)
    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) or resolver is None:
        return True
    if resolver.task_type == "chief":
        return True
    has_chief = "chief" in resolver.cluster_spec().as_dict()
    return not has_chief and resolver.task_type == "worker" and resolver.task_id == 0


def barrier(strategy: tf.distribute.Strategy | None = None) -> None:
    """Returns on every worker only once every worker has reached it (one
    collective sum), so none exits while another still needs it."""
    strategy = strategy or tf.distribute.get_strategy()
    if strategy.num_replicas_in_sync > 1:
        strategy.reduce("SUM", strategy.run(lambda: tf.constant(1.0)), axis=None)


class EpochCounter(keras.callbacks.Callback):
    """Writes the epoch about to run into `variable`, which
    `keras_ae.datasets.make_pipeline(..., epoch=variable)` shuffles by: the
    order of epoch k depends on (seed, k) only, so a run resumed at epoch
    k sees the batches the uninterrupted run saw."""

    def __init__(self, variable: tf.Variable):
        super().__init__()
        self.variable = variable

    def on_epoch_begin(self, epoch, logs=None):
        self.variable.assign(epoch)


class Backup(keras.callbacks.Callback):
    """Saves the model (weights, optimizer state, the state of its random
    generators) and the epoch after every epoch, and resumes from the last
    save when training starts again, as after a killed process.

    Each save is written to a fresh folder and then named in `latest.json`
    by an atomic rename, so a process killed while saving leaves the previous
    save intact. Under multi-worker training only the chief writes; every
    worker resumes from the chief's save (`backup_dir` must be on a file
    system they all see) at the same epoch. At the end of training, workers
    wait for each other, then the chief deletes the backup unless `keep`.

    Args:
        backup_dir: the backup folder.
        keep: keep the backup after training ends.
        settings: what decides the run's weights (JSON-able). Saved with
            each backup; a backup made under other settings is refused
            instead of resumed (its epoch count, schedule or data would be
            silently continued under the new ones).
    """

    def __init__(self, backup_dir: str | os.PathLike, keep: bool = False, settings: dict | None = None):
        super().__init__()
        self.backup_dir = Path(backup_dir)
        self.keep = keep
        # Compared as JSON reads it back (tuples become lists).
        self.settings = None if settings is None else json.loads(json.dumps(settings, default=repr))
        self.resumed_from: int | None = None

    @property
    def _pointer(self) -> Path:
        return self.backup_dir / "latest.json"

    def check(self) -> dict | None:
        """The latest backup's record (None if there is none), refused with
        a ValueError if it was made under other settings: a caller can ask
        before loading any data."""
        if not self._pointer.is_file():
            return None
        latest = json.loads(self._pointer.read_text())
        saved = latest.get("settings")
        if self.settings is not None and saved is not None and saved != self.settings:
            changed = "; ".join(
                f"{key}: {saved.get(key)!r} there, {self.settings.get(key)!r} here"
                for key in sorted(set(saved) | set(self.settings)) if saved.get(key) != self.settings.get(key)
            )
            raise ValueError(
                f"`backup_dir` {str(self.backup_dir)!r} holds a backup of a run with other settings ({changed}). "
                "Resume with the same settings, or delete the folder to start afresh."
            )
        return latest

    def on_train_begin(self, logs=None):
        self.resumed_from = None
        latest = self.check()
        if latest is None:
            return
        folder = self.backup_dir / latest["folder"]
        # The optimizer's slots must exist for its saved state to load into.
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and not optimizer.built:
            optimizer.build(self.model.trainable_variables)
        self.model.load_weights(folder / "model.weights.h5")
        self.model._initial_epoch = latest["epoch"]
        self.resumed_from = latest["epoch"]

    def on_epoch_end(self, epoch, logs=None):
        # The model's strategy: a callback runs outside the strategy's scope.
        if not is_chief(self.model.distribute_strategy):
            return
        self.backup_dir.mkdir(parents=True, exist_ok=True)
        name = f"epoch-{epoch + 1}-{uuid.uuid4().hex[:8]}"
        staging = self.backup_dir / f".{name}.partial"
        staging.mkdir()
        self.model.save_weights(staging / "model.weights.h5")
        os.replace(staging, self.backup_dir / name)
        pointer = self.backup_dir / f".latest.{uuid.uuid4().hex[:8]}.json"
        pointer.write_text(json.dumps({"epoch": epoch + 1, "folder": name, "settings": self.settings}))
        previous = json.loads(self._pointer.read_text())["folder"] if self._pointer.is_file() else None
        os.replace(pointer, self._pointer)
        if previous:
            shutil.rmtree(self.backup_dir / previous, ignore_errors=True)

    def on_train_end(self, logs=None):
        strategy = self.model.distribute_strategy
        barrier(strategy)
        if is_chief(strategy) and not self.keep:
            shutil.rmtree(self.backup_dir, ignore_errors=True)
