"""A run's output folder, written all at once (files are made in a staging
folder beside the target and moved into place only when the run succeeds),
what every run records in it, and how a saved model loads back.

It imports neither Keras nor TensorFlow at import time: the command line
checks an output folder before TensorFlow loads.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

from keras_ae import catalog
from keras_ae._version import __version__


def check_output_dir(out: str | os.PathLike, overwrite: bool = False) -> Path:
    """Refuses an existing, non-empty `out` unless `overwrite`; call it
    before any long work so the run fails at once."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"`out` must be a folder, but a file is there. Received: out='{out}'")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise ValueError(
            "`out` already exists and is not empty; choose another folder or pass "
            f"overwrite=True (--overwrite). Received: out='{out}'"
        )
    return out


@contextlib.contextmanager
def staged_output(out: str | os.PathLike, overwrite: bool = False) -> Iterator[Path]:
    """Yields a staging folder; on success it becomes `out`, on any error it
    is deleted, together with the parent folders this call created."""
    out = check_output_dir(out, overwrite).absolute()
    created = [p for p in [out.parent, *out.parent.parents] if not p.exists()]
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        for folder in created:  # deepest first
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    if out.exists():
        old = out.with_name(f".{out.name}.old-{uuid.uuid4().hex[:8]}")
        os.replace(out, old)
        os.replace(staging, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(staging, out)


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike) -> Iterator[Path]:
    """Yields a temporary path beside `path`; it replaces `path` only when
    the block succeeds, so a failed write never leaves half a file."""
    path = Path(path)
    if not path.parent.is_dir():
        raise ValueError(f"The folder of `path` does not exist. Received: path='{path}'")
    staging = path.with_name(f".{path.name}.partial-{uuid.uuid4().hex[:8]}")
    try:
        yield staging
        os.replace(staging, path)
    finally:
        staging.unlink(missing_ok=True)


def versions() -> dict[str, str]:
    """The versions a run or a preset records: keras_ae's, Keras's, TensorFlow's."""
    import keras
    import tensorflow as tf

    return {"keras_ae": __version__, "keras": keras.__version__, "tensorflow": tf.__version__}


def write_run(folder: Path, model, history: dict, metrics: dict) -> None:
    """The files of every run: the model, its history and its metrics."""
    model.save(folder / "model.keras")
    (folder / "history.json").write_text(json.dumps(history, indent=2, default=float))
    (folder / "metrics.json").write_text(json.dumps(metrics, indent=2, default=str))


def load_saved_model(path: str | os.PathLike):
    """A `.keras` file saved by keras_ae, or a preset (a built-in name or a
    preset folder, see `keras_ae.presets`), loaded in Keras's safe mode."""
    import keras

    from keras_ae import presets

    catalog.check_model_path(path)
    if Path(path).is_file():
        return keras.saving.load_model(path, safe_mode=True)
    return presets.from_preset(path)
