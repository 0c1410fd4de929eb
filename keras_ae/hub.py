"""Presets on model hubs: `hf://OWNER/REPO[@REVISION]` through huggingface_hub
and `kaggle://OWNER/MODEL/FRAMEWORK/VARIATION[/VERSION]` through kagglehub
(keras-hub's handles), every file checked by sha256; and publishing a preset.

keras-hub trusts what the hub hands back; here every file is checked against
the preset's `metadata.json` (and, for a built-in name, against the
package's manifest), and a file that fails is removed from the cache. A
handle with a commit for its revision that is already cached loads without
a request; a branch (`main` when none is given) costs one HEAD request to
learn its commit, and falls back to the commit cached last when the hub
cannot be reached. Files go to each client's own cache (`HF_HUB_CACHE`,
`KAGGLEHUB_CACHE`), shared with keras-hub and transformers.

This module imports neither client nor Keras at import time: the command
line checks a handle's form before TensorFlow loads.
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import json
import os
import re
from pathlib import Path

SCHEMES = ("hf", "kaggle")
# The optional extras that install each hub's client.
EXTRAS = {"hf": ("huggingface_hub", "hf"), "kaggle": ("kagglehub", "kaggle")}
FORMS = "hf://OWNER/REPO[@REVISION] or kaggle://OWNER/MODEL/FRAMEWORK/VARIATION[/VERSION]"
# A hub that has not answered by then has failed: say so at once (the
# clients' own retries would take half a minute on a refused connection).
TIMEOUT_SECONDS = 20.0
COMMIT = re.compile(r"^[0-9a-f]{40}$")
# Hugging Face's rules for a repo id part, and a git ref without '..'.
_HF_PART = r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?"
_HF = re.compile(rf"^hf://(?P<repo>{_HF_PART}/{_HF_PART})(?:@(?P<revision>[A-Za-z0-9._][A-Za-z0-9._/-]*))?$")
_KAGGLE_PART = r"[A-Za-z0-9][A-Za-z0-9._-]*"
_KAGGLE = re.compile(rf"^kaggle://(?P<repo>{_KAGGLE_PART}(?:/{_KAGGLE_PART}){{3}})(?:/(?P<revision>[0-9]+))?$")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


@dataclasses.dataclass(frozen=True)
class Handle:
    """A parsed hub handle: `scheme`, `repo` (`OWNER/REPO`, or Kaggle's
    `OWNER/MODEL/FRAMEWORK/VARIATION`) and `revision` (a branch, tag or
    commit; a Kaggle version number; None for the latest)."""

    scheme: str
    repo: str
    revision: str | None = None

    def __str__(self) -> str:
        if self.revision is None:
            return f"{self.scheme}://{self.repo}"
        return f"{self.scheme}://{self.repo}{'@' if self.scheme == 'hf' else '/'}{self.revision}"

    @property
    def pinned(self) -> bool:
        """Whether the handle names one immutable set of files."""
        return self.revision is not None and (self.scheme == "kaggle" or bool(COMMIT.match(self.revision)))

    def at(self, revision: str | None) -> "Handle":
        return dataclasses.replace(self, revision=revision)


def scheme_of(text: str | os.PathLike) -> str | None:
    """The scheme of `scheme://...`, lower-cased; None for a name or a path."""
    match = _SCHEME.match(str(text))
    return match.group(1).lower() if match else None


def is_handle(text: str | os.PathLike) -> bool:
    return scheme_of(text) in SCHEMES


def parse_handle(text: str | os.PathLike, argument: str = "preset") -> Handle:
    """Parses a hub handle; anything else raises ValueError naming
    `argument` and the value."""
    text = str(text)
    scheme = scheme_of(text)
    if scheme not in SCHEMES:
        raise ValueError(
            f"A hub handle is {FORMS} (the scheme {scheme + '://' if scheme else 'is missing'} is not one of "
            f"{', '.join(s + '://' for s in SCHEMES)}). Received: {argument}='{text}'"
        )
    match = (_HF if scheme == "hf" else _KAGGLE).match(text)
    revision = match and match.group("revision")
    if match is None or (revision and (".." in revision or revision.endswith(("/", ".lock")))):
        raise ValueError(f"A hub handle is {FORMS}. Received: {argument}='{text}'")
    return Handle(scheme, match.group("repo"), revision)


def client(scheme: str, shown: str):
    """The hub's client library, or a one-line error naming the extra."""
    module, extra = EXTRAS[scheme]
    try:
        return __import__(module)
    except ImportError:
        raise ValueError(
            f"{scheme}:// handles need the {module} package: pip install 'keras-ae[{extra}]'. Received: preset='{shown}'"
        ) from None


def sha256(path: str | os.PathLike) -> str:
    """The sha256 of a file, in hex (every preset file is checked by it)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _reason(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text[:300]


# === Downloading ===


def fetch(handle: Handle, expected: dict[str, str] | None = None, local_dir: str | os.PathLike | None = None) -> Path:
    """The local folder of a preset on a hub, every file checked.

    Args:
        handle: a parsed handle.
        expected: file name -> sha256 of every file to fetch (a built-in's
            manifest entry); None: `metadata.json` first, then the files it
            lists, checked against it.
        local_dir: fetch into this folder instead of the client's cache
            (a built-in preset's cache folder).
    """
    if handle.scheme == "kaggle":
        return _kaggle_fetch(handle, expected)
    return _hf_fetch(handle, expected, None if local_dir is None else Path(local_dir))


def fetch_builtin(name: str, source: dict | None, expected: dict[str, str], folder: Path) -> Path:
    """A built-in preset that the package does not ship, from the hub
    handle and revision its manifest entry records, into `folder`.

    An entry without a revision (not yet published, or retrained since) is
    refused rather than read from the branch's head: what is there was not
    checked when the manifest was written, and the manifest's hashes would
    refuse any other files only after downloading them."""
    handle = parse_handle(source["handle"]) if source and source.get("handle") else None
    if handle is None or not source.get("revision"):
        raise ValueError(
            f"The built-in preset {name} is not shipped in this package and has no published hub revision in its "
            f"manifest ({handle or 'no handle'}, revision none); load it from its folder (zoo/presets/{name} in "
            f"the source repository) or a mirror (KERAS_AE_ZOO_URL). Received: preset='{name}'"
        )
    return fetch(handle.at(source["revision"]), expected, local_dir=folder)


def hf_cache_dir() -> Path:
    """huggingface_hub's cache (HF_HUB_CACHE, else HF_HOME/hub), read per
    call: the client reads it once, when it is imported."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    home = os.environ.get("HF_HOME") or os.path.join(os.environ.get("XDG_CACHE_HOME", "~/.cache"), "huggingface")
    return Path(home).expanduser() / "hub"


def _hf_fetch(handle: Handle, expected: dict[str, str] | None, local_dir: Path | None) -> Path:
    hf = client("hf", str(handle))
    endpoint = os.environ.get("HF_ENDPOINT") or None  # likewise read per call
    where = local_dir if local_dir is not None else hf_cache_dir()
    revision = handle.revision or "main"
    commit = revision if COMMIT.match(revision) else None
    first = list(expected) if expected is not None else ["metadata.json"]
    cached = commit is not None and all(_hf_cached(hf, handle, commit, name, where, local_dir, expected) for name in first)
    if not cached:
        commit = _hf_commit(hf, handle, revision, endpoint, where, local_dir)
    paths = {name: _hf_download(hf, handle, commit, name, endpoint, where, local_dir, expected) for name in first}
    if expected is None:
        listed = _listed(paths["metadata.json"], handle)
        expected = {"metadata.json": None, **listed}
        if cached and not all(_hf_cached(hf, handle, commit, name, where, local_dir, expected) for name in listed):
            _hf_commit(hf, handle, commit, endpoint, where, local_dir)  # a file to download: fail fast if unreachable
        paths.update({name: _hf_download(hf, handle, commit, name, endpoint, where, local_dir, expected) for name in listed})
    for name, path in paths.items():
        _check(path, name, expected[name], handle, where)
    listed = _listed(paths["metadata.json"], handle) if "metadata.json" in paths else {}
    for name, digest in listed.items():  # the preset's own record, also for a built-in
        _check(paths.get(name) or Path(paths["metadata.json"]).parent / name, name, digest, handle, where)
    return Path(paths["metadata.json"] if "metadata.json" in paths else next(iter(paths.values()))).parent


def _listed(metadata: str | os.PathLike, handle: Handle) -> dict[str, str]:
    try:
        listed = json.loads(Path(metadata).read_text())["sha256"]
    except (ValueError, KeyError, TypeError):
        listed = None
    if not isinstance(listed, dict) or not all(isinstance(v, str) for v in listed.values()) or any(
        "/" in name or "\\" in name or name.startswith(".") for name in listed
    ):
        raise ValueError(
            f"The metadata.json of {handle} has no valid `sha256` map of the preset's files; nothing was loaded. "
            f"Received: preset='{handle}'"
        )
    return listed


def _hf_cached(hf, handle, commit, name, where, local_dir, expected) -> bool:
    if local_dir is not None:
        return (local_dir / name).is_file() and expected is not None and sha256(local_dir / name) == expected[name]
    try:
        hf.hf_hub_download(handle.repo, name, revision=commit, cache_dir=str(where), local_files_only=True)
        return True
    except Exception:  # LocalEntryNotFoundError, or nothing cached at all
        return False


def _hf_commit(hf, handle, revision, endpoint, where, local_dir) -> str:
    """The commit `revision` names now: one HEAD request without the
    client's retries. A branch whose hub cannot be reached falls back to the
    commit cached last, as huggingface_hub does."""
    url = hf.hf_hub_url(handle.repo, "metadata.json", revision=revision, endpoint=endpoint)
    options = {"retry_on_errors": False} if "retry_on_errors" in inspect.signature(hf.get_hf_file_metadata).parameters else {}
    try:
        metadata = hf.get_hf_file_metadata(url, timeout=TIMEOUT_SECONDS, endpoint=endpoint, **options)
    except Exception as error:
        ref = where / ("models--" + handle.repo.replace("/", "--")) / "refs" / revision  # the client's cache layout
        unreachable = _status(error) == 0 or _status(error) >= 500
        if local_dir is None and unreachable and ref.is_file():
            return ref.read_text().strip()
        raise _failure(handle, "metadata.json", where, error) from None
    if not metadata.commit_hash:
        raise ValueError(
            f"{url} did not name a commit (no X-Repo-Commit header): not a Hugging Face hub endpoint (HF_ENDPOINT). "
            f"Nothing was downloaded into {where}. Received: preset='{handle}'"
        )
    return metadata.commit_hash


def _status(error: BaseException) -> int:
    response = getattr(error, "response", None)
    return getattr(response, "status_code", 0) or 0


def _hf_download(hf, handle, commit, name, endpoint, where, local_dir, expected) -> str:
    if local_dir is not None and (local_dir / name).is_file() and expected is not None and expected.get(name):
        if sha256(local_dir / name) == expected[name]:
            return str(local_dir / name)
        _remove(local_dir / name, local_dir)  # a stale or damaged copy
    location = {"local_dir": str(local_dir)} if local_dir is not None else {"cache_dir": str(where)}
    try:
        return hf.hf_hub_download(
            handle.repo, name, revision=commit, endpoint=endpoint, etag_timeout=TIMEOUT_SECONDS, **location
        )
    except Exception as error:
        raise _failure(handle, name, where, error) from None


def _failure(handle: Handle, name: str, where: Path, error: BaseException) -> ValueError:
    return ValueError(
        f"Could not download {name} of {handle} into {where}: {_reason(error)}. Check the handle and the network "
        f"(HF_ENDPOINT, HF_HUB_OFFLINE), or load the preset from a folder. Received: preset='{handle}'"
    )


def _check(path: str | os.PathLike, name: str, digest: str | None, handle: Handle, where: Path) -> None:
    """A file against its sha256; one that fails is removed from the cache
    (the snapshot's link and the blob it points to), so that the next call
    downloads it again."""
    path = Path(path)
    if digest is None:
        return
    if not path.is_file():
        raise ValueError(f"The preset at {handle} lacks {name}; nothing was loaded. Received: preset='{handle}'")
    if sha256(path) != digest:
        _remove(path, where)
        raise ValueError(
            f"{name} of {handle} does not match its sha256 (expected {digest}); it was removed from {where} and "
            f"nothing was loaded. Received: preset='{handle}'"
        )


def _remove(path: Path, where: Path) -> None:
    blob = Path(os.path.realpath(path))
    path.unlink(missing_ok=True)
    if blob != path and where.resolve() in blob.parents:
        blob.unlink(missing_ok=True)
    # huggingface_hub's record of a local_dir download, which would make it
    # trust the removed file's commit.
    (path.parent / ".cache" / "huggingface" / "download" / f"{path.name}.metadata").unlink(missing_ok=True)


def _kaggle_fetch(handle: Handle, expected: dict[str, str] | None) -> Path:
    kagglehub = client("kaggle", str(handle))
    where = Path(os.environ.get("KAGGLEHUB_CACHE") or "~/.cache/kagglehub").expanduser()
    try:
        folder = Path(kagglehub.model_download(str(handle)[len("kaggle://"):]))
    except Exception as error:
        raise _failure(handle, "the model files", where, error) from None
    expected = expected if expected is not None else {"metadata.json": None, **_listed(folder / "metadata.json", handle)}
    for name, digest in expected.items():
        _check(folder / name, name, digest, handle, where)
    for name, digest in _listed(folder / "metadata.json", handle).items():
        _check(folder / name, name, digest, handle, where)
    return folder


# === Publishing ===


def upload_folder(directory: Path, handle: Handle, files: list[str], token: str | None = None, message: str | None = None) -> str | None:
    """Publishes `files` of `directory` (already checked) under `handle`;
    returns the commit (Hugging Face) or None (Kaggle, which numbers the
    new version itself)."""
    shown = str(handle)
    if handle.scheme == "kaggle":
        if handle.revision is not None:
            raise ValueError(f"Kaggle numbers a new version itself: upload to a handle without one. Received: handle='{shown}'")
        kagglehub = client("kaggle", shown)
        try:
            kagglehub.model_upload(handle.repo, str(directory), version_notes=message or "")
        except Exception as error:
            raise ValueError(f"Could not upload {directory} to {shown}: {_reason(error)}. Received: handle='{shown}'") from None
        return None
    if handle.revision is not None and COMMIT.match(handle.revision):
        raise ValueError(f"A commit cannot be uploaded to; name a branch (or none, for main). Received: handle='{shown}'")
    hf = client("hf", shown)
    api = hf.HfApi(endpoint=os.environ.get("HF_ENDPOINT") or None, token=token)
    try:
        api.create_repo(handle.repo, exist_ok=True)
        info = api.upload_folder(
            repo_id=handle.repo, folder_path=str(directory), allow_patterns=files, revision=handle.revision,
            commit_message=message or f"Upload the keras-ae preset {directory.name}",
        )
    except Exception as error:
        raise ValueError(f"Could not upload {directory} to {shown}: {_reason(error)}. Received: handle='{shown}'") from None
    return info.oid
