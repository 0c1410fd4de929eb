"""Pretrained presets: save one, list them, and load one in a line, from a
built-in name, a local folder, or a base URL, every file checked by sha256.

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
from keras_ae.outputs import atomic_file

# Where the release process publishes each built-in preset (`keras-ae zoo
# upload --record` pins the commit in the manifest's "hub" entry).
HUB_REPOS = "hf://keras-ae"
FILES = ("config.json", "model.weights.h5", "metadata.json", "README.md", "card.png")
PACKAGED = Path(__file__).parent / "presets"
# The presets the wheel carries, for the README's examples and the offline
# tests; the rest are published from the source repository's zoo/presets/
# and download on first use.
SHIPPED = ("conv_fashion_mnist", "conv_mnist", "unet_denoise_grey", "unet_upscale_grey", "vae2d_mnist")
MANIFEST = Path(__file__).parent / "manifest.json"
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


def sha256(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest() -> dict[str, dict]:
    """The built-in presets: name -> family, data set, headline metric,
    parameters, and the sha256 and size of every file."""
    return json.loads(MANIFEST.read_text()) if MANIFEST.is_file() else {}


def list_presets() -> list[dict]:
    """One row per built-in preset: name, family, data set, parameters,
    headline metric and total size."""
    return [
        {
            "name": name,
            "family": entry["family"],
            "dataset": entry["dataset"],
            "parameters": entry["parameters"],
            "metric": entry["headline"],
            "bytes": sum(f["bytes"] for f in entry["files"].values()),
        }
        for name, entry in sorted(manifest().items())
    ]


def presets_table() -> str:
    """The built-in presets as the Markdown table `keras-ae zoo list` prints
    and the README shows."""
    rows = ["| preset | family | data set | parameters | headline metric | size |", "|---|---|---|---|---|---|"]
    for row in list_presets():
        metric = row["metric"]
        samples = f" (k={metric['k']})" if "k" in metric else ""  # an importance-sampled bound
        # Where the figure is measured: a generator's samples against the training images; sprites drawn
        # from the dSprites generator, which has no test split.
        split = {"frechet_pca": "train", "mig": "generated"}.get(metric["name"], "test")
        rows.append(
            f"| `{row['name']}` | {row['family']} | {row['dataset']} | {row['parameters']:,} | "
            f"{metric['name']}{samples} {metric['value']:.3f} ({metric['dataset']} {split}) | {row['bytes'] / 2**20:.1f} MiB |"
        )
    return "\n".join(rows) + "\n"


def verify(name: str) -> Path:
    """Checks the cached copy of a built-in preset (else the package's)
    against the manifest and returns its folder; a mismatch raises."""
    entry = manifest().get(_check_name(name))
    if entry is None:
        raise ValueError(f"No built-in preset {name!r}. Received: preset={name!r}")
    folder = cache_dir() / name if (cache_dir() / name).is_dir() else PACKAGED / name
    _verify(folder, {n: f["sha256"] for n, f in entry["files"].items()}, str(folder))
    return folder


# === Saving ===


def save_preset(model, directory: str | os.PathLike, metadata: dict, card: str, picture: bytes) -> dict:
    """Writes `model` as a preset folder and returns its metadata.

    Args:
        model: a keras_ae model.
        directory: the preset folder (created; refused if not empty).
        metadata: what the recipe knows (family, dataset, recipe, seed,
            metrics with a "headline" entry naming the metric); the
            parameters, versions and file hashes are added here.
        card: the model card's Markdown.
        picture: the card's PNG.
    """
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise ValueError(f"`directory` must be empty or new. Received: directory='{directory}'")
    directory.mkdir(parents=True, exist_ok=True)
    config = keras.saving.serialize_keras_object(model)
    # A preset is weights to build on, not a training run to resume: without
    # the compile state the user compiles it their way, and the weights file
    # does not carry the optimizer's moments (twice the weights again).
    config.pop("compile_config", None)
    (directory / "config.json").write_text(json.dumps(config, indent=2))
    bare = keras.saving.deserialize_keras_object(config)
    bare.set_weights(model.get_weights())
    bare.save_weights(directory / "model.weights.h5")
    (directory / "README.md").write_text(card)
    (directory / "card.png").write_bytes(picture)
    import tensorflow as tf

    import keras_ae

    metadata = {
        **metadata,
        "parameters": int(model.count_params()),
        "versions": {"keras_ae": keras_ae.__version__, "keras": keras.__version__, "tensorflow": tf.__version__},
        "sha256": {name: sha256(directory / name) for name in FILES if name != "metadata.json"},
    }
    (directory / "metadata.json").write_text(json.dumps(metadata, indent=2))
    return metadata


def manifest_entry(directory: str | os.PathLike) -> dict:
    """A preset folder's entry for the manifest."""
    directory = Path(directory)
    metadata = json.loads((directory / "metadata.json").read_text())
    return {
        "family": metadata["family"],
        "dataset": metadata["dataset"],
        "parameters": metadata["parameters"],
        "headline": metadata["metrics"]["headline"],
        "files": {name: {"sha256": sha256(directory / name), "bytes": (directory / name).stat().st_size} for name in FILES},
        # New files are unpublished: `keras-ae zoo upload --record` pins them.
        "hub": {"handle": f"{HUB_REPOS}/{directory.name}", "revision": None},
    }


# === Resolving and checking ===


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


def upload_preset(directory: str | os.PathLike, handle: str, token: str | None = None, message: str | None = None,
                  record: bool = False) -> str | None:
    """Checks a preset folder and publishes it under a hub handle; returns
    the new commit (Hugging Face) or None (Kaggle numbers the version).

    The folder must hold every preset file, match the sha256 of its
    metadata, and load in safe mode; nothing is sent otherwise.

    Args:
        directory: the preset folder.
        handle: `hf://OWNER/REPO[@BRANCH]` or
            `kaggle://OWNER/MODEL/FRAMEWORK/VARIATION`.
        token: the hub's token (else the client's own: HF_TOKEN, `hf auth login`).
        message: the commit message or version notes.
        record: pin the commit as the built-in preset's revision in the
            manifest (the release process); the folder must be that
            preset's files exactly.
    """
    parsed = hub.parse_handle(handle, "handle")
    directory = Path(directory)
    if not (directory / "metadata.json").is_file():
        raise ValueError(f"`directory` must be a preset folder (with metadata.json). Received: directory='{directory}'")
    for name in FILES:
        if not (directory / name).is_file():
            raise ValueError(f"The preset at {directory} lacks {name}; nothing was uploaded. Received: directory='{directory}'")
    entry = manifest().get(directory.name)
    if record and (parsed.scheme != "hf" or entry is None or entry["files"] != manifest_entry(directory)["files"]):
        raise ValueError(
            "`record` pins a built-in preset's hf:// revision: the folder must be named after a built-in preset and "
            f"hold its files exactly. Received: directory='{directory}', handle='{handle}'"
        )
    from_preset(directory)  # the hashes, safe mode and the weights, as a user will load it
    commit = hub.upload_folder(directory, parsed, list(FILES), token=token, message=message)
    if record:
        entries = manifest()
        entries[directory.name]["hub"] = {"handle": str(parsed.at(None)), "revision": commit}
        write_manifest(entries)
    return commit


def write_manifest(entries: dict[str, dict]) -> None:
    with atomic_file(MANIFEST) as staging:
        staging.write_text(json.dumps(dict(sorted(entries.items())), indent=2) + "\n")


# === The headline metric, recomputed ===


def headline_metric(model, headline: dict, data_dir: str | os.PathLike | None = None, detector: dict | None = None) -> float:
    """Recomputes a preset's headline metric on its data set's real test
    split: `{"name": "sse_per_image", "dataset": "mnist", "value": ...}`;
    `"nll"` with `"k"` importance samples on the test images binarized once
    with seed 0 (the binarized-MNIST convention); or, for a detector preset
    (`detector`: its settings), `"window_separation"` on the labelled NAB
    `"series"`: the largest point score inside its anomaly windows over the
    largest outside them (above 1: some threshold flags every window and
    nothing else; point-level AUROC suits NAB poorly: a window spans hours
    around an anomaly of minutes, so most of its points are normal); or, for
    an image-to-image preset, `"psnr_denoise"` (dB on a restoration test set
    with noise of `"sigma"`, see `keras_ae.restoration.denoising_psnr`) or
    `"psnr_upscale"` (dB on the luminance at `"scale"`, see
    `keras_ae.restoration.upscaling_psnr`); or, for a generator,
    `"frechet_pca"`: `"samples"` images drawn with `"seed"` against the
    training images in their first `"components"` principal directions
    (see `keras_ae.evaluation.pca_frechet_distance`); or, for a model of
    dSprites, `"mig"`: the mutual information gap of the mean codes of
    `"samples"` sprites drawn with `"seed"` (dSprites has no test split: the
    metrics of disentanglement_lib draw from the generator)."""
    from keras_ae import datasets, evaluation

    if headline["name"] == "mig":
        from keras_ae import disentanglement

        return disentanglement.model_mig(model, datasets.DSprites(), headline["samples"], headline["seed"])["mig"]

    if headline["name"] == "window_separation":
        from keras_ae import anomaly
        from keras_ae.datasets import nab

        if detector is None:
            raise ValueError("The 'window_separation' headline needs the preset's detector settings. Received: detector=None")
        series = nab.load_series(headline["series"], data_dir)
        scores = anomaly.SeriesAnomalyDetector.from_config(model, detector).score(series.values)
        inside = series.labels()
        return float(scores[inside].max() / scores[~inside].max())
    if headline["name"] in ("psnr_denoise", "psnr_upscale"):
        from keras_ae import restoration

        images = restoration.load_test_set(headline["dataset"], data_dir)
        if headline["name"] == "psnr_denoise":
            return restoration.denoising_psnr(model, images, headline["sigma"])["psnr"]
        return restoration.upscaling_psnr(model, images, headline["scale"])["model_psnr"]
    arrays = datasets.load_arrays(headline["dataset"], data_dir=data_dir)
    if headline["name"] == "frechet_pca":
        samples = model.sample(headline["samples"], seed=headline["seed"])
        return evaluation.pca_frechet_distance(samples, arrays.x_train, headline["components"])
    if headline["name"] == "sse_per_image":
        labels = arrays.y_test if getattr(model, "network_inputs", 1) > 1 else None  # a conditional model
        return evaluation.evaluate_model(model, arrays.x_test, labels=labels)["sse_per_image"]
    if headline["name"] == "nll":
        x = evaluation.binarize(arrays.x_test, seed=0)
        return evaluation.importance_sampled_nll(model, x, k=headline["k"], seed=0)["nll"]
    raise ValueError(f"No evaluation for the metric {headline['name']!r}. Received: headline={headline!r}")


def recompute_headline(handle: str | os.PathLike, data_dir: str | os.PathLike | None = None) -> float:
    """A preset's headline metric recomputed from its files (see `headline_metric`)."""
    folder = resolve_preset(handle)
    metadata = json.loads((folder / "metadata.json").read_text())
    return headline_metric(from_preset(folder), metadata["metrics"]["headline"], data_dir, metadata.get("detector"))


def load_detector(handle: str | os.PathLike):
    """The anomaly detector of a detector preset: its model with the
    standardization, stride and threshold it was calibrated with."""
    from keras_ae import anomaly

    folder = resolve_preset(handle)
    settings = json.loads((folder / "metadata.json").read_text()).get("detector")
    if settings is None:
        raise ValueError(f"The preset holds a model, not an anomaly detector. Received: preset='{handle}'")
    return anomaly.SeriesAnomalyDetector.from_config(from_preset(folder), settings)
