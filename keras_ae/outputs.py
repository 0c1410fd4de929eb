"""Writing a run's output folder all at once: files are made in a staging
folder beside the target and moved into place only when the run succeeds."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path


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
