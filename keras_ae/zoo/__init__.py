"""Pretrained presets: list them, load one in a line, make and publish them,
and recompute each one's headline metric.

Where a preset is found, checked and cached is `keras_ae.presets` (the
store, low in the package, which the models load through); its names are
re-exported here, where the README has always pointed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import keras

from keras_ae import anomaly, datasets, disentanglement, evaluation, hub, presets, restoration
from keras_ae.datasets import nab
from keras_ae.outputs import atomic_file, versions
from keras_ae.presets import (  # noqa: F401  (the zoo's names since its first release)
    FILES, MANIFEST, PACKAGED, SHIPPED, TIMEOUT_SECONDS, cache_dir, download, from_preset, manifest, resolve_preset,
    sha256, verify, zoo_url,
)

# Where the release process publishes each built-in preset (`keras-ae zoo
# upload --record` pins the commit in the manifest's "hub" entry).
HUB_REPOS = "hf://keras-ae"


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
    metadata = {
        **metadata,
        "parameters": int(model.count_params()),
        "versions": versions(),
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
    with atomic_file(presets.MANIFEST) as staging:
        staging.write_text(json.dumps(dict(sorted(entries.items())), indent=2) + "\n")


# === The headline metric, recomputed ===

# Each headline's evaluation: (model, headline, data_dir, detector settings)
# -> the figure. `headline_metric` says what each measures.
Evaluation = Callable[[keras.Model, dict, "str | os.PathLike | None", "dict | None"], float]


def _mig(model, headline, data_dir, detector) -> float:
    return disentanglement.model_mig(model, datasets.DSprites(), headline["samples"], headline["seed"])["mig"]


def _window_separation(model, headline, data_dir, detector) -> float:
    if detector is None:
        raise ValueError("The 'window_separation' headline needs the preset's detector settings. Received: detector=None")
    series = nab.load_series(headline["series"], data_dir)
    scores = anomaly.SeriesAnomalyDetector.from_config(model, detector).score(series.values)
    inside = series.labels()
    return float(scores[inside].max() / scores[~inside].max())


def _psnr_denoise(model, headline, data_dir, detector) -> float:
    images = restoration.load_test_set(headline["dataset"], data_dir)
    return restoration.denoising_psnr(model, images, headline["sigma"])["psnr"]


def _psnr_upscale(model, headline, data_dir, detector) -> float:
    images = restoration.load_test_set(headline["dataset"], data_dir)
    return restoration.upscaling_psnr(model, images, headline["scale"])["model_psnr"]


def _frechet_pca(model, headline, data_dir, detector) -> float:
    arrays = datasets.load_arrays(headline["dataset"], data_dir=data_dir)
    samples = model.sample(headline["samples"], seed=headline["seed"])
    return evaluation.pca_frechet_distance(samples, arrays.x_train, headline["components"])


def _sse_per_image(model, headline, data_dir, detector) -> float:
    arrays = datasets.load_arrays(headline["dataset"], data_dir=data_dir)
    labels = arrays.y_test if model.conditional else None
    return evaluation.evaluate_model(model, arrays.x_test, labels=labels)["sse_per_image"]


def _nll(model, headline, data_dir, detector) -> float:
    arrays = datasets.load_arrays(headline["dataset"], data_dir=data_dir)
    x = evaluation.binarize(arrays.x_test, seed=0)
    return evaluation.importance_sampled_nll(model, x, k=headline["k"], seed=0)["nll"]


HEADLINES: dict[str, Evaluation] = {
    "sse_per_image": _sse_per_image,
    "nll": _nll,
    "frechet_pca": _frechet_pca,
    "mig": _mig,
    "window_separation": _window_separation,
    "psnr_denoise": _psnr_denoise,
    "psnr_upscale": _psnr_upscale,
}


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
    evaluate = HEADLINES.get(headline["name"])
    if evaluate is None:
        raise ValueError(f"No evaluation for the metric {headline['name']!r}. Received: headline={headline!r}")
    return evaluate(model, headline, data_dir, detector)


def recompute_headline(handle: str | os.PathLike, data_dir: str | os.PathLike | None = None) -> float:
    """A preset's headline metric recomputed from its files (see `headline_metric`)."""
    folder = resolve_preset(handle)
    metadata = json.loads((folder / "metadata.json").read_text())
    return headline_metric(from_preset(folder), metadata["metrics"]["headline"], data_dir, metadata.get("detector"))


def load_detector(handle: str | os.PathLike):
    """The anomaly detector of a detector preset: its model with the
    standardization, stride and threshold it was calibrated with."""
    folder = resolve_preset(handle)
    settings = json.loads((folder / "metadata.json").read_text()).get("detector")
    if settings is None:
        raise ValueError(f"The preset holds a model, not an anomaly detector. Received: preset='{handle}'")
    return anomaly.SeriesAnomalyDetector.from_config(from_preset(folder), settings)
