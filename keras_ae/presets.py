"""The preset store: where a preset given by name, folder, base URL or hub
handle is found, downloaded, checked by sha256 and cached, and how it loads.

A preset is a folder (keras-hub's layout):

| file | what |
|---|---|
| `config.json` | the model's Keras config (loaded in safe mode) |
| `model.weights.h5` | its weights |
| `metadata.json` | family, data set, recipe, seed, versions, parameters, measured metrics, and the sha256 of every other file |
| `README.md` | the model card |
| `card.png` | the card's picture |

A built-in name resolves, in order, from the cache
(`$KERAS_HOME/keras_ae/presets/NAME`, else `~/.keras/...`), from the copy
shipped inside the package (the few presets the quickstart, the README and
the offline tests use), from a mirror `KERAS_AE_ZOO_URL/NAME/` when that is
set (through `keras.utils.get_file`), else from the hub handle and pinned
revision the manifest records (`keras_ae.hub`), every file checked against
the manifest's sha256. `hf://` and `kaggle://` handles load as in keras-hub
(see `keras_ae.hub`).

It sits low in the package, under the models (`Autoencoder.from_preset`
loads through it); making presets, the manifest's upkeep and the headline
metrics are `keras_ae.zoo`'s.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import socket
import urllib.parse
from pathlib import Path

import keras

from keras_ae import hub
from keras_ae.catalog import PRESET_MANIFEST
from keras_ae.hub import sha256

FILES = ("config.json", "model.weights.h5", "metadata.json", "README.md", "card.png")
PACKAGED = PRESET_MANIFEST.parent / "presets"
# The presets the wheel carries, for the README's examples and the offline
# tests; the rest are published from the source repository's zoo/presets/
# and download on first use.
SHIPPED = ("conv_fashion_mnist", "conv_mnist", "unet_denoise_grey", "unet_upscale_grey", "vae2d_mnist")
MANIFEST = PRESET_MANIFEST
# A download that has not answered by then has failed: say so at once.
TIMEOUT_SECONDS = 20.0
_NAME = re.compile(r"^[a-z0-9][a-z0-9_]*$")


def zoo_url() -> str | None:
    """A mirror of the built-in presets (a base URL, one folder per preset),
    tried before the hub; None when KERAS_AE_ZOO_URL is not set."""
    return os.environ.get("KERAS_AE_ZOO_URL") or None


def cache_dir() -> Path:
    home = os.environ.get("KERAS_HOME") or str(Path("~/.keras").expanduser())
    return Path(home) / "keras_ae" / "presets"


def manifest() -> dict[str, dict]:
    """The built-in presets: name -> family, data set, headline metric,
    parameters, and the sha256 and size of every file."""
    return json.loads(MANIFEST.read_text()) if MANIFEST.is_file() else {}


def verify(name: str) -> Path:
    """Checks the cached copy of a built-in preset (else the package's)
    against the manifest and returns its folder; a mismatch raises."""
    entry = manifest().get(_check_name(name))
    if entry is None:
        raise ValueError(f"No built-in preset {name!r}. Received: preset={name!r}")
    folder = cache_dir() / name if (cache_dir() / name).is_dir() else PACKAGED / name
    _verify(folder, {n: f["sha256"] for n, f in entry["files"].items()}, str(folder))
    return folder


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(
            "A preset name is lower-case letters, digits and '_' (no path separators or '..'). "
            f"Received: preset={name!r}"
        )
    return name


def _verify(directory: Path, expected: dict[str, str], where: str) -> None:
    """Checks every file of a local preset against its sha256; nothing is
    loaded from a folder that fails. (A bad download is removed by
    `_download` itself.)"""
    for name, digest in expected.items():
        path = directory / name
        if not path.is_file():
            raise ValueError(f"The preset at {where} lacks {name}. Received: preset='{where}'")
        if sha256(path) != digest:
            raise ValueError(
                f"{name} of the preset at {where} does not match its sha256 (expected {digest}); "
                f"nothing was loaded. Received: preset='{where}'"
            )


def _complete(directory: Path, expected: dict[str, str]) -> bool:
    return all((directory / n).is_file() and sha256(directory / n) == d for n, d in expected.items())


def _fetch(folder: Path, base_url: str, expected: dict[str, str]) -> Path:
    """Downloads into `folder` every file of `expected` that it lacks or
    holds with another digest."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, digest in expected.items():
        if not _complete(folder, {name: digest}):
            _download(f"{base_url}/{name}", folder / name, digest)
    return folder


def _download(url: str, target: Path, digest: str | None) -> None:
    """One file into the cache through `keras.utils.get_file`, checked by
    sha256, within `TIMEOUT_SECONDS`; a failed or bad download leaves no file."""
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(TIMEOUT_SECONDS)
    try:
        with contextlib.redirect_stdout(open(os.devnull, "w")):
            keras.utils.get_file(
                target.name, url, file_hash=digest, hash_algorithm="sha256",
                cache_dir=str(target.parent.parent), cache_subdir=target.parent.name, force_download=True,
            )
    except Exception as error:
        target.unlink(missing_ok=True)  # get_file keeps a file whose hash failed
        reason = " ".join(str(error).split())
        raise ValueError(
            f"Could not download {url} into {target}: {reason}. Check the address (KERAS_AE_ZOO_URL) "
            f"and the network, or copy the preset folder to {target.parent}. Received: url='{url}'"
        ) from None
    finally:
        socket.setdefaulttimeout(previous)


def resolve_preset(handle: str | os.PathLike) -> Path:
    """The verified local folder of a preset given by built-in name, local
    folder, base URL (`https://`, `http://` or `file://`), or hub handle
    (`hf://`, `kaggle://`; see `keras_ae.hub`)."""
    text = str(handle)
    scheme = urllib.parse.urlsplit(text).scheme
    # --- hub handles: hf://, kaggle:// (keras_ae.hub); any other scheme is refused there ---
    if hub.scheme_of(text) not in (None, "https", "http", "file"):
        return hub.fetch(hub.parse_handle(text))
    if scheme in ("https", "http", "file"):
        base = text.rstrip("/")
        folder = cache_dir() / ("url-" + hashlib.sha256(base.encode()).hexdigest()[:16])
        folder.mkdir(parents=True, exist_ok=True)
        # The metadata names the digest of every other file; a base URL is
        # taken as immutable (a versioned release), so a cached copy stands.
        if not (folder / "metadata.json").is_file():
            _download(f"{base}/metadata.json", folder / "metadata.json", None)
        return _fetch(folder, base, json.loads((folder / "metadata.json").read_text())["sha256"])
    if Path(text).is_dir():
        folder = Path(text)
        if not (folder / "metadata.json").is_file():
            raise ValueError(f"The folder is not a preset (it has no metadata.json). Received: preset={text!r}")
        _verify(folder, json.loads((folder / "metadata.json").read_text())["sha256"], text)
        return folder
    name = _check_name(text)
    entries = manifest()
    if name not in entries:
        raise ValueError(
            f"No built-in preset {name!r} and no folder by that name. Presets: "
            f"{', '.join(sorted(entries)) or 'none'}. Received: preset={name!r}"
        )
    expected = {n: f["sha256"] for n, f in entries[name]["files"].items()}
    cached = cache_dir() / name
    if _complete(cached, expected):
        return cached
    if _complete(PACKAGED / name, expected):
        return PACKAGED / name
    if zoo_url() is not None:
        return _fetch(cached, f"{zoo_url().rstrip('/')}/{name}", expected)
    # --- a built-in's hub copy (keras_ae.hub) ---
    return hub.fetch_builtin(name, entries[name].get("hub"), expected, cached)


def from_preset(handle: str | os.PathLike, expected_class: type | None = None):
    """Loads a preset (see `resolve_preset`) in Keras's safe mode: a config
    that carries a Lambda or a class Keras does not know is refused."""
    folder = resolve_preset(handle)
    config = json.loads((folder / "config.json").read_text())
    try:
        model = keras.saving.deserialize_keras_object(config, safe_mode=True)
    except (TypeError, ValueError) as error:
        reason = " ".join(str(error).split())[:300]
        raise ValueError(f"The preset's config was refused in safe mode: {reason}. Received: preset='{handle}'") from None
    if expected_class is not None and not isinstance(model, expected_class):
        raise ValueError(
            f"The preset holds a model of class {type(model).__name__}, not {expected_class.__name__}. Received: preset='{handle}'"
        )
    model.load_weights(folder / "model.weights.h5")
    return model


def download(name: str) -> Path:
    """Fetches a built-in preset into the cache (from the package's copy
    when it has one, else from the zoo URL) and returns its folder."""
    folder = resolve_preset(_check_name(name))
    cached = cache_dir() / name
    if folder != cached:
        cached.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(folder, cached, dirs_exist_ok=True)
    return cached
