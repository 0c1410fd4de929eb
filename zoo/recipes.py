"""The zoo's recipes: one entry per preset (data, model, fit, evaluate,
save), deterministic given its seed. Running one trains the model on the real
data set, recomputes its headline metric on the test split, writes the preset
into the package (`keras_ae/zoo/presets/NAME/`) with its model card, and
records it in the manifest.

    python zoo/recipes.py conv_mnist --data-dir ../shared/datasets
    python zoo/recipes.py --list
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from keras_ae import plotting, training, zoo  # noqa: E402

# name -> the arguments of keras_ae.training.train, and the card's words.
RECIPES = {
    "dense_mnist": {
        "train": {"family": "dense", "dataset": "mnist", "epochs": 20, "batch_size": 128, "latent_dim": 32,
                  "options": {"units": (256,)}, "seed": 0},
        "summary": "Undercomplete MLP autoencoder (784-256-32-256-784) of MNIST digits.",
    },
    "conv_mnist": {
        "train": {"family": "conv", "dataset": "mnist", "epochs": 8, "batch_size": 32, "latent_dim": 30,
                  "options": {"filters": (32, 64)}, "seed": 0},
        "summary": "Convolutional autoencoder of MNIST digits with a 30-dimensional code.",
    },
    "denoising_mnist": {
        "train": {"family": "denoising", "dataset": "mnist", "epochs": 6, "batch_size": 64, "latent_dim": 32,
                  "options": {"filters": (32, 64), "noise": "gaussian", "noise_level": 0.3}, "seed": 0},
        "summary": "Convolutional denoising autoencoder of MNIST digits, trained on Gaussian noise of "
                   "standard deviation 0.3 (clipped to [0, 1]); the headline scores clean test digits.",
    },
    "sparse_mnist": {
        "train": {"family": "sparse", "dataset": "mnist", "architecture": "dense", "epochs": 15, "batch_size": 128,
                  "latent_dim": 64, "options": {"units": (256,), "sparsity": "l1"}, "seed": 0},
        "summary": "Sparse MLP autoencoder of MNIST digits (784-256-64-256-784) with an L1 penalty on the code.",
    },
    "contractive_mnist": {
        "train": {"family": "contractive", "dataset": "mnist", "epochs": 15, "batch_size": 128, "latent_dim": 64,
                  "options": {"contractive_weight": 0.1}, "seed": 0},
        "summary": "Contractive autoencoder of MNIST digits: one ReLU layer of 64 units, the exact Jacobian penalty.",
    },
    "vae_mnist": {
        "train": {"family": "vae", "dataset": "mnist", "architecture": "dense", "epochs": 30, "batch_size": 128,
                  "latent_dim": 50, "options": {"units": (400,), "binarize": True, "kl_warmup_steps": 2000},
                  "seed": 0},
        "headline": {"name": "nll", "k": 100},
        "summary": "VAE of dynamically binarized MNIST (Bernoulli likelihood, 400 hidden units as in Kingma and Welling, 50-d code); "
                   "the headline is the test NLL in nats by importance sampling.",
    },
    "vae2d_mnist": {
        "train": {"family": "vae", "dataset": "mnist", "architecture": "dense", "epochs": 30, "batch_size": 128,
                  "latent_dim": 2, "options": {"units": (400,), "binarize": True}, "seed": 0},
        "headline": {"name": "nll", "k": 100},
        "summary": "VAE of binarized MNIST with a 2-dimensional code, for the latent manifold and scatter "
                   "pictures (`keras-ae plot manifold|scatter`).",
    },
    "conv_fashion_mnist": {
        "train": {"family": "conv", "dataset": "fashion_mnist", "epochs": 10, "batch_size": 64, "latent_dim": 32,
                  "options": {"filters": (32, 64)}, "seed": 0},
        "summary": "Convolutional autoencoder of Fashion-MNIST clothes with a 32-dimensional code.",
    },
    "cvae_mnist": {
        "train": {"family": "cvae", "dataset": "mnist", "architecture": "conv", "epochs": 10, "batch_size": 64,
                  "latent_dim": 16, "options": {"filters": (32, 64)}, "seed": 0},
        "summary": "Conditional VAE of MNIST (Bernoulli likelihood, conv networks, 16-d code; the label is "
                   "tiled over the image as 10 extra channels and appended to the code): "
                   "`model.generate(labels)` draws digits of the classes asked for; the headline scores "
                   "reconstructions of test digits given their labels.",
    },
    "conv_cifar10": {
        "train": {"family": "conv", "dataset": "cifar10", "epochs": 10, "batch_size": 64, "latent_dim": 128,
                  "options": {"filters": (32, 64, 128)}, "seed": 0},
        "summary": "Convolutional autoencoder of CIFAR-10 colour images (32x32x3) with a 128-dimensional code.",
    },
}

# Anomaly detectors on NAB: a sequence autoencoder trained on a normal series
# (keras_ae.anomaly.train_series_detector's arguments), its headline the
# separation of its scores on a labelled series (see zoo.headline_metric).
SERIES_RECIPES = {
    "conv1d_nab_art_daily": {
        "detector": {"family": "conv1d", "window": 288, "stride": 1, "latent_dim": 32, "epochs": 50, "batch_size": 128,
                     "options": {"filters": (32, 16), "kernel_size": 7}, "seed": 0},
        "summary": "Conv1D autoencoder anomaly detector of NAB's art_daily series (windows of 288 points, one day at "
                   "5-minute steps), trained on art_daily_small_noise, threshold the largest training score.",
    },
    "recurrent_nab_art_daily": {
        "detector": {"family": "recurrent", "window": 288, "stride": 4, "latent_dim": 32, "epochs": 50, "batch_size": 128,
                     "options": {"units": (64,)}, "seed": 0},
        "summary": "LSTM autoencoder anomaly detector of NAB's art_daily series (windows of 288 points every 4), "
                   "trained on art_daily_small_noise, threshold the largest training score.",
    },
}
SERIES_TRAIN, SERIES_TEST = "artificialNoAnomaly/art_daily_small_noise", "artificialWithAnomaly/art_daily_jumpsup"

# The headline unless a recipe names another: reconstruction error.
HEADLINE = {"name": "sse_per_image"}
HEADLINE_WORDS = {
    "sse_per_image": "squared error per image (sum over pixels in [0, 1])",
    "nll": "negative log-likelihood, nats per binarized digit (IWAE bound, k = {k})",
    "window_separation": "largest score inside the labelled window / largest outside ({series})",
}


def card(name: str, recipe: dict, metadata: dict, pca: dict) -> str:
    headline = metadata["metrics"]["headline"]
    train = recipe["train"]
    shape = ", ".join(map(str, metadata["input_shape"]))
    use = (f"codes = model.encode(images, labels)   # images: (n, {shape}) in [0, 1]; labels: (n,) class ids"
           if metadata["conditional"] else f"codes = model.encode(images)          # images: (n, {shape}) in [0, 1]")
    return f"""# {name}

{recipe["summary"]}

```python
import keras_ae
model = keras_ae.from_preset("{name}")
{use}
```

## Measured

| metric | value | test split |
|---|---|---|
| {HEADLINE_WORDS[headline["name"]].format(**headline)} | **{headline["value"]:.3f}** | {headline["dataset"]} test, {metadata["metrics"]["test"]["examples"]} images |
| squared error per image (sum over pixels in [0, 1]) | {metadata["metrics"]["test"]["sse_per_image"]:.3f} | same |
| PSNR | {metadata["metrics"]["test"]["psnr_db"]:.2f} dB | same |
| PCA at the same code size ({pca["n_components"]}) | {pca["sse_per_image"]:.3f} per image | same |

![test images above their reconstructions](card.png)

## Recipe

`python zoo/recipes.py {name} --data-dir DIR` (family `{train["family"]}`, {train["epochs"]} epochs, batch
{train["batch_size"]}, Adam 1e-3, seed {train["seed"]}, options {json.dumps(train["options"])}); trained in
{metadata["train_seconds"]:.0f} s on {metadata["cpu_threads"]} CPU threads. Parameters: {metadata["parameters"]:,}.
Versions: {", ".join(f"{k} {v}" for k, v in metadata["versions"].items())}.
"""


def build(name: str, data_dir: str | None) -> dict:
    recipe = RECIPES[name]
    run = Path(tempfile.mkdtemp(prefix=f"zoo-{name}-")) / "run"
    metrics = training.train(**recipe["train"], data_dir=data_dir, out=run, verbose=2)
    model = training.load_saved_model(run / "model.keras")
    headline = {**recipe.get("headline", HEADLINE), "dataset": recipe["train"]["dataset"]}
    headline["value"] = zoo.headline_metric(model, headline, data_dir)
    metadata = {
        "family": recipe["train"]["family"],
        "dataset": recipe["train"]["dataset"],
        "recipe": recipe["train"],
        "seed": recipe["train"]["seed"],
        "train_seconds": metrics["train_seconds"],
        "cpu_threads": os.cpu_count(),
        "metrics": {"headline": headline, "test": metrics["test"], "pca": metrics["pca"]},
    }
    staging = Path(tempfile.mkdtemp(prefix=f"zoo-{name}-card-"))
    from keras_ae import datasets

    arrays = datasets.load_arrays(recipe["train"]["dataset"], data_dir=data_dir)
    x = arrays.x_test[:10] / 255.0
    labels = (arrays.y_test[:10],) if getattr(model, "network_inputs", 1) > 1 else ()
    plotting.reconstruction_grid(x, model.reconstruct(x, *labels), staging / "card.png",
                                 f"{name}: test {headline['name']} {headline['value']:.3f}")
    target = zoo.PACKAGED / name
    shutil.rmtree(target, ignore_errors=True)
    saved = zoo.save_preset(model, target, metadata, card(name, recipe, {**metadata, "parameters": int(model.count_params()), "input_shape": model.data_shape,
                                                                         "conditional": bool(labels),
                                                                         "versions": training.versions()}, metrics["pca"]),
                            (staging / "card.png").read_bytes())
    entries = zoo.manifest()
    entries[name] = zoo.manifest_entry(target)
    zoo.write_manifest(entries)
    print(f"{name}: {headline['name']} {headline['value']:.4f} on the {headline['dataset']} test split; wrote {target}")
    return saved


def series_card(name: str, recipe: dict, metadata: dict) -> str:
    headline, events = metadata["metrics"]["headline"], metadata["metrics"]["events"]
    d = recipe["detector"]
    return f"""# {name}

{recipe["summary"]}

```python
import keras_ae
detector = keras_ae.zoo.load_detector("{name}")
flags = detector.predict(values)      # values: a series at 5-minute steps, one flag per point
```

## Measured

| metric | value | test series |
|---|---|---|
| {HEADLINE_WORDS["window_separation"].format(**headline)} | **{headline["value"]:.3f}** | {headline["series"]}, {events["points"]} points |
| labelled windows found | {events["found"]}/{events["events"]} | same |
| false-positive runs (flagged points outside the window) | {events["false_positive_events"]} ({events["false_positive_points"]} points) | same |

![the test series with the flagged points, and the scores](card.png)

## Recipe

`python zoo/recipes.py {name} --data-dir DIR` (family `{d["family"]}`, window {d["window"]}, stride {d["stride"]},
{d["epochs"]} epochs at most (early stopping on the last 10% of windows), batch {d["batch_size"]}, Adam 1e-3, seed
{d["seed"]}, options {json.dumps(d["options"])}); trained in {metadata["train_seconds"]:.0f} s on
{metadata["cpu_threads"]} CPU threads. Parameters: {metadata["parameters"]:,}. Versions:
{", ".join(f"{k} {v}" for k, v in metadata["versions"].items())}.
"""


def build_series(name: str, data_dir: str | None) -> dict:
    import time

    from keras_ae import anomaly
    from keras_ae.datasets import nab

    recipe = SERIES_RECIPES[name]
    train, test = nab.load_series(SERIES_TRAIN, data_dir), nab.load_series(SERIES_TEST, data_dir)
    settings = dict(recipe["detector"])
    family = settings.pop("family")
    started = time.perf_counter()
    detector = anomaly.train_series_detector(family, train.values, **settings)
    train_seconds = time.perf_counter() - started
    detector_config = {k: v for k, v in detector.get_config().items() if k != "kind"}
    headline = {"name": "window_separation", "dataset": "nab", "series": SERIES_TEST}
    headline["value"] = zoo.headline_metric(detector.model, headline, data_dir, detector_config)
    scores = detector.score(test.values)
    flags = scores > detector.threshold
    events = {k: v for k, v in anomaly.event_detection(flags, test.windows).items() if k != "windows_found"}
    metadata = {
        "family": family, "dataset": "nab", "recipe": recipe["detector"], "seed": settings["seed"],
        "train_seconds": round(train_seconds, 1), "cpu_threads": os.cpu_count(),
        "metrics": {"headline": headline, "events": {**events, "points": len(test.values)}},
        "detector": detector_config,
    }
    staging = Path(tempfile.mkdtemp(prefix=f"zoo-{name}-card-"))
    plotting.anomaly_plot(test.timestamps, test.values, scores, flags, detector.threshold, staging / "card.png",
                          test.windows, f"{name} on {SERIES_TEST}: separation {headline['value']:.3f}")
    target = zoo.PACKAGED / name
    shutil.rmtree(target, ignore_errors=True)
    full = {**metadata, "parameters": int(detector.model.count_params()), "versions": training.versions()}
    saved = zoo.save_preset(detector.model, target, metadata, series_card(name, recipe, full), (staging / "card.png").read_bytes())
    entries = zoo.manifest()
    entries[name] = zoo.manifest_entry(target)
    zoo.write_manifest(entries)
    print(f"{name}: window separation {headline['value']:.4f}, events {events}; wrote {target}")
    return saved


README = Path(__file__).resolve().parents[1] / "README.md"
TABLE_MARK = "<!-- zoo table:"


def update_readme() -> None:
    """Replaces the table under the README's zoo-table comment with the
    manifest's (the one `keras-ae zoo list` prints)."""
    lines = README.read_text().splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith(TABLE_MARK)) + 1
    end = start
    while end < len(lines) and (lines[end].startswith("|") or lines[end].strip() in ("ZOO_TABLE", "")):
        end += 1
    README.write_text("".join(lines[:start]) + zoo.presets_table() + "\n" + "".join(lines[end:]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="presets to build (default: all)")
    parser.add_argument("--data-dir", help="folder with the data sets' files")
    parser.add_argument("--list", action="store_true", help="list the recipes")
    args = parser.parse_args()
    every = {**RECIPES, **SERIES_RECIPES}
    if args.list:
        for name, recipe in every.items():
            print(f"{name:<24} {recipe['summary']}")
        return
    for name in args.names or every:
        if name not in every:
            raise SystemExit(f"zoo/recipes.py: no recipe {name!r}. Recipes: {', '.join(every)}")
        (build_series if name in SERIES_RECIPES else build)(name, args.data_dir)
    update_readme()


if __name__ == "__main__":
    main()
