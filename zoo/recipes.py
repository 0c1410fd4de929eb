"""The zoo's recipes: one entry per preset (data, model, fit, evaluate,
save), deterministic given its seed. Running one trains the model on the real
data set, recomputes its headline metric on the test split, writes the preset
with its model card into `zoo/presets/NAME/` beside this file (the folders
the release publishes), or into the package (`keras_ae/zoo/presets/NAME/`)
for the few it ships (`keras_ae.zoo.SHIPPED`), and records it in the
manifest, unpublished (`keras-ae zoo upload --record` pins its revision).

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

import numpy as np  # noqa: E402

from keras_ae import plotting, training, zoo  # noqa: E402

# name -> the arguments of keras_ae.training.train, and the card's words.
# The publishing source of every preset the package does not ship.
PRESETS = Path(__file__).resolve().parent / "presets"


def preset_folder(name: str) -> Path:
    return zoo.PACKAGED / name if name in zoo.SHIPPED else PRESETS / name


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
    "vq_vae_mnist": {
        "train": {"family": "vq_vae", "dataset": "mnist", "epochs": 5, "batch_size": 64, "latent_dim": 16,
                  "options": {"num_codes": 64, "filters": (32, 64)}, "seed": 0},
        "summary": "VQ-VAE of MNIST digits after keras.io's example: a 7x7 grid of codes from a codebook of 64 "
                   "vectors of 16 dimensions (294 bits per digit), EMA codebook updates, and a PixelCNN prior "
                   "trained on the codes for `sample`; 5x5 kernels (a 13-pixel view per code) and a linear output, "
                   "the family's defaults. (PCA below keeps 16 components: the code vectors' size, "
                   "not the code's 294 bits.)",
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
# The shipped presets were trained when a point scored its own error
# (scoring "point"); named here, since train_series_detector's defaults have
# moved to the window rule, so that these recipes still rebuild them.
SERIES_RECIPES = {
    "conv1d_nab_art_daily": {
        "detector": {"family": "conv1d", "window": 288, "stride": 1, "latent_dim": 32, "epochs": 50, "batch_size": 128,
                     "options": {"filters": (32, 16), "kernel_size": 7}, "seed": 0, "scoring": "point",
                     "point_reduce": "min"},
        "summary": "Conv1D autoencoder anomaly detector of NAB's art_daily series (windows of 288 points, one day at "
                   "5-minute steps), trained on art_daily_small_noise, threshold the largest training score.",
    },
    "recurrent_nab_art_daily": {
        "detector": {"family": "recurrent", "window": 288, "stride": 4, "latent_dim": 32, "epochs": 50, "batch_size": 128,
                     "options": {"units": (64,)}, "seed": 0, "scoring": "point", "point_reduce": "min"},
        "summary": "LSTM autoencoder anomaly detector of NAB's art_daily series (windows of 288 points every 4), "
                   "trained on art_daily_small_noise, threshold the largest training score.",
    },
    "transformer_nab_art_daily": {
        "detector": {"family": "transformer", "window": 288, "stride": 4, "latent_dim": 32, "epochs": 50,
                     "batch_size": 128, "options": {"dim": 32, "num_heads": 2, "num_layers": 2, "mlp_units": 64,
                                                    "memory_tokens": 4, "patch_size": 4},
                     "seed": 0, "scoring": "window", "point_reduce": "min"},
        "summary": "Transformer autoencoder anomaly detector of NAB's art_daily series (windows of 288 points every 4, "
                   "read as 72 tokens of 4 steps; 2 pre-LN blocks of 2-head self-attention each way), trained on "
                   "art_daily_small_noise; a window scores its mean error, threshold the worst training window.",
    },
}
SERIES_TRAIN, SERIES_TEST = "artificialNoAnomaly/art_daily_small_noise", "artificialWithAnomaly/art_daily_jumpsup"

# Generators: a GAN trained by keras_ae.training.train, its headline the
# Frechet distance of its samples to the training digits in PCA space (no
# classifier needed to recompute it; see zoo.headline_metric).
_DCGAN = {"dataset": "mnist", "batch_size": 128, "latent_dim": 64, "learning_rate": 2e-4,
          "options": {"filters": (32, 64), "kernel_size": 4}, "seed": 0}
_FRECHET = {"name": "frechet_pca", "dataset": "mnist", "samples": 10000, "components": 32, "seed": 2}
GAN_RECIPES = {
    "dcgan_mnist": {
        "train": {"family": "gan", "epochs": 15, **_DCGAN},
        "headline": _FRECHET,
        "summary": "DCGAN of MNIST digits (Radford et al.: strided convolutions, batch-normalized generator, "
                   "Adam 2e-4 with beta_1 0.5 for both players), 64-d noise.",
    },
    "cgan_mnist": {
        "train": {"family": "cgan", "epochs": 10, **_DCGAN},
        "headline": _FRECHET,
        "summary": "Conditional DCGAN of MNIST digits (Mirza and Osindero: generator and discriminator both see the "
                   "one-hot label), 64-d noise; the headline's samples take the ten classes in turn.",
    },
}

# Image restoration: the image-to-image family trained on patches of real
# photographs (CIFAR-10's training images and the photographs bundled with
# scikit-image), measured on the standard test sets (BSD68, CBSD68, Set5, Set14).
_UNET = {"latent_dim": 128, "filters": (32, 64), "blocks": 2, "style": "unet", "residual": True}
RESTORATION_RECIPES = {
    "unet_denoise_grey": {
        "model": {**_UNET, "input_shape": (None, None, 1), "noise_level": (5 / 255, 55 / 255)},
        "data": {"channels": 1, "patch": 32, "cifar10": True, "photo_patches": 20000},
        "epochs": 2, "batch_size": 32, "learning_rate": 1e-3, "seed": 0,
        "headline": {"name": "psnr_denoise", "dataset": "BSD68", "sigma": 25},
        "summary": "Blind Gaussian denoiser of grey images (noise sigma 5 to 55 on the 0-255 scale): a residual "
                   "U-Net, fully convolutional, any image size.",
    },
    "unet_denoise_colour": {
        "model": {**_UNET, "input_shape": (None, None, 3), "noise_level": (5 / 255, 55 / 255)},
        "data": {"channels": 3, "patch": 32, "cifar10": True, "photo_patches": 20000},
        "epochs": 1, "batch_size": 32, "learning_rate": 1e-3, "seed": 0,
        "headline": {"name": "psnr_denoise", "dataset": "CBSD68", "sigma": 25},
        "summary": "Blind Gaussian denoiser of colour images (noise sigma 5 to 55 on the 0-255 scale): a residual "
                   "U-Net, fully convolutional, any image size.",
    },
    "unet_upscale_grey": {
        "model": {**_UNET, "input_shape": (None, None, 1), "noise_level": 0.0},
        "data": {"channels": 1, "patch": 48, "cifar10": False, "photo_patches": 32000, "scales": (2, 3, 4)},
        "epochs": 2, "batch_size": 32, "learning_rate": 1e-3, "seed": 0,
        "headline": {"name": "psnr_upscale", "dataset": "Set5", "scale": 3},
        "summary": "Super-resolution x2, x3 and x4 of the luminance (one model for the three): a residual U-Net "
                   "that corrects the bicubic enlargement, as VDSR does.",
    },
}
# Disentanglement: a VAE-family model of the procedural dSprites on the
# standard networks (keras_ae.disentanglement.standard_model), trained by
# optimizer steps on generated sprites, its headline the MIG of its mean code.
_DSPRITES = {"steps": 2000, "batch_size": 64, "learning_rate": 1e-3, "seed": 0,
             "headline": {"name": "mig", "dataset": "dsprites", "samples": 10000, "seed": 2019}}
DISENTANGLEMENT_RECIPES = {
    "beta_vae_dsprites": {
        "model": {"family": "beta_vae", "options": {"beta": 4.0}},
        **_DSPRITES,
        "summary": "beta-VAE (beta 4, Higgins et al.'s dSprites setting) of the 737,280 dSprites images with a 10-d "
                   "code, on disentanglement_lib's networks: each code unit is meant to carry one factor of the "
                   "sprites (shape, scale, orientation, position x and y).",
    },
    "beta_tcvae_dsprites": {
        "model": {"family": "beta_tcvae", "options": {"beta": 6.0, "dataset_size": 737_280}},
        **_DSPRITES,
        "summary": "beta-TCVAE (beta 6 on the total correlation, minibatch-weighted sampling over the 737,280 "
                   "sprites; Chen et al.'s dSprites setting) of dSprites with a 10-d code, on disentanglement_lib's "
                   "networks.",
    },
    "factor_vae_dsprites": {
        # A discriminator of 6 x 256 units, not the paper's 6 x 1000 (5 M weights, 20 MB): it is trained with
        # the model and saved with it, and the zoo keeps its presets to a few MB.
        "model": {"family": "factor_vae", "options": {"gamma": 35.0, "discriminator_units": (256,) * 6}},
        **_DSPRITES, "batch_size": 128,
        "summary": "FactorVAE (gamma 35; its discriminator tells codes from codes with each unit shuffled over the "
                   "batch) of dSprites with a 10-d code, on disentanglement_lib's networks.",
    },
}

# Masked autoencoders: pretrained as benchmarks/cifar10_mae.py pretrains
# (its MODEL and PRETRAIN settings, run by its own functions), the headline
# the squared error of `reconstruct` on the test images (75% of each image's
# patches hidden, with the fixed masks), the card also giving the benchmark's
# linear probe recomputed on this model. `--from-benchmark FILE` publishes
# the model that benchmark saved (`--save`) instead of pretraining again:
# the same settings, so the same run; refused unless its config and step
# count are the benchmark's.
MAE_RECIPES = {
    "mae_cifar10": {
        "benchmark": Path(__file__).resolve().parents[1] / "benchmarks" / "cifar10_mae.py",
        "dataset": "cifar10",
        "summary": "Masked autoencoder (He et al. 2021) of CIFAR-10 (32x32x3): patches of 4, 75% hidden in training, "
                   "a 4-block encoder of width 128 and a 2-block decoder of width 64, pretrained on keras.io's "
                   "40,000-image training split; `encode` gives 128-d features for linear probes.",
    },
}

# scikit-image's bundled photographs of natural scenes and documents (no
# drawings, micrographs or astronomy).
# Grey from colour: ITU-R BT.601 luma, as PIL and MATLAB's rgb2gray compute it.
LUMA = np.array([0.299, 0.587, 0.114], dtype="float32")
PHOTOS = ("astronaut", "camera", "coffee", "chelsea", "rocket", "brick", "grass", "gravel", "coins", "moon", "page",
          "text")

# The headline unless a recipe names another: reconstruction error.
HEADLINE = {"name": "sse_per_image"}
HEADLINE_WORDS = {
    "sse_per_image": "squared error per image (sum over pixels in [0, 1])",
    "nll": "negative log-likelihood, nats per binarized digit (IWAE bound, k = {k})",
    "window_separation": "largest score inside the labelled window / largest outside ({series})",
    "psnr_denoise": "PSNR in dB, {dataset}, Gaussian noise sigma {sigma}",
    "psnr_upscale": "PSNR in dB on the luminance, {dataset} x{scale}",
    "frechet_pca": "Frechet distance of {samples:,} samples to the training digits, {components} principal components",
    "mig": "mutual information gap of the mean code, {samples:,} sprites drawn with seed {seed}",
}


def publish(name: str, model, metadata: dict, card_text: str, picture: Path) -> dict:
    """Writes the preset folder into the package (replacing an older one)
    and records it in the manifest; returns `zoo.save_preset`'s answer."""
    target = preset_folder(name)
    shutil.rmtree(target, ignore_errors=True)
    saved = zoo.save_preset(model, target, metadata, card_text, picture.read_bytes())
    entries = zoo.manifest()
    entries[name] = zoo.manifest_entry(target)
    zoo.write_manifest(entries)
    return saved


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
    full = {**metadata, "parameters": int(model.count_params()), "input_shape": model.data_shape,
            "conditional": bool(labels), "versions": training.versions()}
    saved = publish(name, model, metadata, card(name, recipe, full, metrics["pca"]), staging / "card.png")
    target = preset_folder(name)
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
    full = {**metadata, "parameters": int(detector.model.count_params()), "versions": training.versions()}
    saved = publish(name, detector.model, metadata, series_card(name, recipe, full), staging / "card.png")
    target = preset_folder(name)
    print(f"{name}: window separation {headline['value']:.4f}, events {events}; wrote {target}")
    return saved


def build_gan(name: str, data_dir: str | None) -> dict:
    from keras_ae import datasets, evaluation

    recipe = GAN_RECIPES[name]
    run = Path(tempfile.mkdtemp(prefix=f"zoo-{name}-")) / "run"
    metrics = training.train(**recipe["train"], data_dir=data_dir, out=run, verbose=2)
    model = training.load_saved_model(run / "model.keras")
    headline = dict(recipe["headline"])
    headline["value"] = zoo.headline_metric(model, headline, data_dir)
    arrays = datasets.load_arrays(headline["dataset"], data_dir=data_dir)
    floor = evaluation.pca_frechet_distance(arrays.x_test, arrays.x_train, headline["components"])
    metadata = {
        "family": recipe["train"]["family"], "dataset": headline["dataset"], "recipe": recipe["train"],
        "seed": recipe["train"]["seed"], "train_seconds": metrics["train_seconds"], "cpu_threads": os.cpu_count(),
        "metrics": {"headline": headline, "test_set_floor": floor},
    }
    staging = Path(tempfile.mkdtemp(prefix=f"zoo-{name}-card-"))
    plotting.image_grid(model.sample(100, seed=headline["seed"]), staging / "card.png", columns=10,
                        title=f"{name}: samples (seed {headline['seed']})")
    train = recipe["train"]
    conditional = ("\nsevens = model.generate([7] * 8, seed=0)  # chosen classes; sample() takes them in turn"
                   if getattr(model, "network_inputs", 1) > 1 else "")
    card_text = f"""# {name}

{recipe["summary"]}

```python
import keras_ae
model = keras_ae.from_preset("{name}")
digits = model.sample(16, seed=0)          # (16, 28, 28, 1) in [0, 1]{conditional}
```

## Measured

| metric | value |
|---|---|
| {HEADLINE_WORDS["frechet_pca"].format(**headline)} (noise seed {headline["seed"]}) | **{headline["value"]:.3f}** |
| the same for the 10,000 MNIST test digits (the floor) | {floor:.3f} |

A Frechet distance in PCA space, not an Inception FID: it compares generators of MNIST with each other and needs
no trained classifier, so the headline is recomputed exactly from the weights.
`benchmarks/mnist_gan.py` measures the unconditional DCGAN with a digit classifier (classes covered, KL to uniform).

![100 samples](card.png)

## Recipe

`python zoo/recipes.py {name} --data-dir DIR` (family `{train["family"]}`, {train["epochs"]} epochs, batch
{train["batch_size"]}, Adam {train["learning_rate"]} (beta_1 0.5) for both players, seed {train["seed"]}, options
{json.dumps(train["options"])}); trained in {metadata["train_seconds"]:.0f} s on {metadata["cpu_threads"]} CPU threads.
Parameters: {int(model.count_params()):,}. Versions: {", ".join(f"{k} {v}" for k, v in training.versions().items())}.
"""
    saved = publish(name, model, metadata, card_text, staging / "card.png")
    target = preset_folder(name)
    print(f"{name}: frechet_pca {headline['value']:.4f} (test-set floor {floor:.4f}); wrote {target}")
    return saved


def photographs(channels: int) -> list:
    """scikit-image's bundled photographs in [0, 1]: grey ones and the luma of
    colour ones for one channel, the colour ones only for three."""
    from skimage import data

    images = []
    for name in PHOTOS:
        image = getattr(data, name)().astype("float32") / 255.0
        if image.ndim == 2:
            if channels == 1:
                images.append(image[..., None])
        elif channels == 3:
            images.append(image[..., :3])
        else:
            images.append((image[..., :3] @ LUMA)[..., None])
    return images


def random_patches(images: list, size: int, count: int, rng):
    """`count` square patches of side `size`, each from an image drawn in
    proportion to its area, at a random place, flipped and turned at random."""

    areas = np.array([im.shape[0] * im.shape[1] for im in images], dtype="float64")
    picks = rng.choice(len(images), size=count, p=areas / areas.sum())
    patches = np.empty((count, size, size, images[0].shape[-1]), dtype="float32")
    for i, k in enumerate(picks):
        image = images[k]
        top, left = rng.integers(0, image.shape[0] - size + 1), rng.integers(0, image.shape[1] - size + 1)
        patch = np.rot90(image[top:top + size, left:left + size], k=rng.integers(4))
        patches[i] = patch[:, ::-1] if rng.integers(2) else patch
    return patches


def restoration_data(recipe: dict, data_dir: str | None):
    """The (inputs, targets) a restoration recipe trains on: clean patches
    and no targets for a denoiser (the model adds the noise), bicubic-degraded
    patches and the originals for super-resolution."""

    from keras_ae import datasets, restoration

    spec = recipe["data"]
    rng = np.random.default_rng(recipe["seed"])
    parts = [random_patches(photographs(spec["channels"]), spec["patch"], spec["photo_patches"], rng)]
    if spec["cifar10"]:
        cifar = datasets.load_arrays("cifar10", data_dir=data_dir).x_train.astype("float32") / 255.0
        parts.append(cifar if spec["channels"] == 3 else (cifar @ LUMA)[..., None])
    if "scales" not in spec:
        clean = np.concatenate(parts)
        return clean[rng.permutation(len(clean))], None
    clean = parts[0]
    degraded = np.empty_like(clean)
    scales = rng.choice(spec["scales"], size=len(clean))
    for scale in spec["scales"]:
        chosen = np.flatnonzero(scales == scale)
        # imresize takes the stack's patches as trailing axes: (size, size, n).
        stack = np.moveaxis(clean[chosen, ..., 0], 0, -1)
        degraded[chosen, ..., 0] = np.moveaxis(restoration.degrade(stack, int(scale)), -1, 0)
    return degraded, clean


def restoration_card(name: str, recipe: dict, metadata: dict) -> str:
    headline, table = metadata["metrics"]["headline"], metadata["metrics"]["table"]
    upscale = headline["name"] == "psnr_upscale"
    use = ("big = keras_ae.restoration.upscale(model, image, scale=3)   # image: (h, w, 1 or 3) in [0, 1]"
           if upscale else "clean = model.restore(noisy)            # noisy: (h, w, "
           f"{recipe['model']['input_shape'][-1]}) in [0, 1], any size")
    header = "| test set | scale | bicubic PSNR / SSIM | model PSNR / SSIM |\n|---|---|---|---|\n" if upscale else \
        "| test set | noise sigma | PSNR | SSIM |\n|---|---|---|---|\n"
    rows = "".join(
        f"| {r['dataset']} | x{r['scale']} | {r['bicubic_psnr']:.2f} / {r['bicubic_ssim']:.4f} | "
        f"{r['model_psnr']:.2f} / {r['model_ssim']:.4f} |\n" if upscale else
        f"| {r['dataset']} | {r['sigma']} | {r['psnr']:.2f} | {r['ssim']:.4f} |\n" for r in table)
    data = recipe["data"]
    sources = f"{data['photo_patches']:,} random {data['patch']}x{data['patch']} patches of scikit-image's photographs " \
              f"({', '.join(PHOTOS)})" + (" and the 50,000 CIFAR-10 training images" if data["cifar10"] else "")
    return f"""# {name}

{recipe["summary"]}

```python
import keras_ae
model = keras_ae.from_preset("{name}")
{use}
```

Or from a shell: `keras-ae {"upscale" if upscale else "denoise"} {name} IMAGE... --out DIR`.

## Measured

Headline: {HEADLINE_WORDS[headline["name"]].format(**headline)}: **{headline["value"]:.3f}**.

{header}{rows}
{"PSNR and SSIM on the luminance (grey images put on the [16, 235] range of Y), the scale factor's width of border left out, bicubic as MATLAB's imresize: the SRCNN / VDSR protocol." if upscale else "White Gaussian noise added to the 8-bit images scaled to [0, 1], unclipped, drawn with NumPy's default_rng(image index); outputs clipped to [0, 1]."}

![{"bicubic and model" if upscale else "noisy, denoised and clean"} crops](card.png)

## Recipe

`python zoo/recipes.py {name} --data-dir DIR`: trained on {sources}; {recipe["epochs"]} epoch(s) at batch
{recipe["batch_size"]}, Adam {recipe["learning_rate"]} with cosine decay, seed {recipe["seed"]}; trained in
{metadata["train_seconds"]:.0f} s on {metadata["cpu_threads"]} CPU threads. Model: {json.dumps(recipe["model"])}.
Parameters: {metadata["parameters"]:,}. Versions: {", ".join(f"{k} {v}" for k, v in metadata["versions"].items())}.
"""


def restoration_picture(model, recipe: dict, data_dir: str | None, path: Path) -> None:
    from matplotlib.figure import Figure

    from keras_ae import restoration

    headline = recipe["headline"]
    image = next(iter(restoration.load_test_set(headline["dataset"], data_dir).values())).astype("float32") / 255.0
    if headline["name"] == "psnr_upscale":
        scale = headline["scale"]
        hr = restoration.modcrop(image, scale)
        lr = restoration.imresize(hr, 1.0 / scale)
        panels = {"bicubic": np.clip(restoration.imresize(lr, scale), 0, 1), "model": restoration.upscale(model, lr, scale),
                  "original": hr}
    else:
        noisy = restoration.add_noise(image, headline["sigma"] / 255.0, seed=0)
        panels = {f"noisy (sigma {headline['sigma']})": np.clip(noisy, 0, 1), "denoised": model.restore(noisy),
                  "clean": image}
    figure = Figure(figsize=(3 * len(panels), 3.3))
    for i, (title, panel) in enumerate(panels.items()):
        axis = figure.add_subplot(1, len(panels), i + 1)
        crop = panel[: min(128, panel.shape[0]), : min(128, panel.shape[1])]
        axis.imshow(crop[..., 0] if crop.shape[-1] == 1 else crop, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        axis.set_title(title)
        axis.axis("off")
    figure.tight_layout()
    figure.savefig(path, dpi=80)


def build_restoration(name: str, data_dir: str | None) -> dict:
    import time

    import keras

    from keras_ae import ImageToImage, restoration

    recipe = RESTORATION_RECIPES[name]
    training._set_op_determinism(True)
    keras.utils.set_random_seed(recipe["seed"])
    x, y = restoration_data(recipe, data_dir)
    model = ImageToImage(**recipe["model"], seed=recipe["seed"])
    steps = recipe["epochs"] * -(-len(x) // recipe["batch_size"])
    schedule = keras.optimizers.schedules.CosineDecay(recipe["learning_rate"], decay_steps=steps, alpha=0.01)
    model.compile(optimizer=keras.optimizers.Adam(schedule))
    started = time.perf_counter()
    model.fit(x, y, epochs=recipe["epochs"], batch_size=recipe["batch_size"], verbose=2)
    train_seconds = time.perf_counter() - started
    headline = dict(recipe["headline"])
    headline["value"] = zoo.headline_metric(model, headline, data_dir)
    table = []
    if headline["name"] == "psnr_upscale":
        for dataset in ("Set5", "Set14"):
            images = restoration.load_test_set(dataset, data_dir)
            for scale in recipe["data"]["scales"]:
                table.append({"dataset": dataset, "scale": scale, **restoration.upscaling_psnr(model, images, scale)})
    else:
        images = restoration.load_test_set(headline["dataset"], data_dir)
        for sigma in (15, 25, 50):
            table.append({"dataset": headline["dataset"], "sigma": sigma, **restoration.denoising_psnr(model, images, sigma)})
    for row in table:
        print(row)
    metadata = {
        "family": "image_to_image", "dataset": headline["dataset"].lower(),
        "recipe": {k: v for k, v in recipe.items() if k not in ("summary", "headline")}, "seed": recipe["seed"],
        "train_seconds": round(train_seconds, 1), "cpu_threads": os.cpu_count(),
        "metrics": {"headline": headline, "table": table},
    }
    staging = Path(tempfile.mkdtemp(prefix=f"zoo-{name}-card-"))
    restoration_picture(model, recipe, data_dir, staging / "card.png")
    full = {**metadata, "parameters": int(model.count_params()), "versions": training.versions()}
    saved = publish(name, model, metadata, restoration_card(name, recipe, full), staging / "card.png")
    target = preset_folder(name)
    print(f"{name}: {headline['name']} {headline['value']:.4f}; trained in {train_seconds:.0f} s; wrote {target}")
    return saved


def build_disentanglement(name: str, data_dir: str | None) -> dict:
    import time

    from keras_ae import disentanglement
    from keras_ae.datasets.dsprites import FACTOR_NAMES, DSprites

    recipe = DISENTANGLEMENT_RECIPES[name]
    training._set_op_determinism(True)
    model = disentanglement.standard_model(recipe["model"]["family"], seed=recipe["seed"], **recipe["model"]["options"])
    disentanglement.compile_standard(model, recipe["learning_rate"])
    sprites = DSprites()
    data = sprites.pipeline(batch_size=recipe["batch_size"], shuffle=True, seed=recipe["seed"]).repeat()
    # Chunks of 500 steps, as benchmarks/dsprites_disentanglement.py trains, so that its run of the same model and
    # seed is this one.
    chunk = min(500, recipe["steps"])
    started = time.perf_counter()
    model.fit(data, epochs=recipe["steps"] // chunk, steps_per_epoch=chunk, verbose=2)
    train_seconds = time.perf_counter() - started
    headline = dict(recipe["headline"])
    # One pass for the headline (what zoo.headline_metric recomputes) and the card's per-factor terms and labels.
    gaps = disentanglement.model_mig(model, sprites, headline["samples"], headline["seed"])
    headline["value"] = gaps["mig"]
    labels = disentanglement.unit_labels(gaps["codes"], gaps, FACTOR_NAMES)
    metadata = {
        "family": recipe["model"]["family"], "dataset": "dsprites",
        "recipe": {k: v for k, v in recipe.items() if k not in ("summary", "headline")}, "seed": recipe["seed"],
        "train_seconds": round(train_seconds, 1), "cpu_threads": os.cpu_count(),
        "metrics": {"headline": headline,
                    "mig_per_factor": dict(zip(FACTOR_NAMES, np.round(gaps["per_factor"], 4).tolist())),
                    "units": labels},
    }
    staging = Path(tempfile.mkdtemp(prefix=f"zoo-{name}-card-"))
    start = sprites.observations_from_factors(np.array([disentanglement.TRAVERSAL_START]))
    plotting.latent_traversal(model, model.latent_codes(start)[0], staging / "card.png", row_labels=labels,
                              title=f"{name}: each unit swept over [-2, 2] from an ellipse's mean code")
    rows = "".join(f"| {factor} | {gap:.3f} |\n" for factor, gap in metadata["metrics"]["mig_per_factor"].items())
    card_text = f"""# {name}

{recipe["summary"]}

```python
import keras_ae
from keras_ae.datasets import DSprites
model = keras_ae.from_preset("{name}")
sprites = DSprites().observations_from_factors(factors)  # factors: (n, 5) class indices
codes = model.latent_codes(sprites)  # the mean code, (n, 10)
```

## Measured

{HEADLINE_WORDS["mig"].format(**headline)}: **{headline["value"]:.3f}** (disentanglement_lib's 20-bin histogram
estimate). The gap of each factor (its most informative unit over the runner-up, divided by its entropy):

| factor | MIG term |
|---|---|
{rows}
`benchmarks/dsprites_disentanglement.py` trains a VAE, a beta-VAE, a beta-TCVAE and a FactorVAE on this budget over
three seeds and scores them with all five disentanglement_lib metrics.

![latent traversal: one row per code unit, labelled with the factor it tells most about](card.png)

## Recipe

`python zoo/recipes.py {name}`: {recipe["steps"]:,} steps at batch {recipe["batch_size"]} of sprites drawn from the
generator, Adam {recipe["learning_rate"]}, seed {recipe["seed"]}; trained in {train_seconds:.0f} s on
{os.cpu_count()} CPU threads. A short budget: disentanglement_lib trains for 300,000 steps at Adam 1e-4.
Model: family `{recipe["model"]["family"]}`, options {json.dumps(recipe["model"]["options"])}.
Parameters: {int(model.count_params()):,}. Versions: {", ".join(f"{k} {v}" for k, v in training.versions().items())}.
"""
    saved = publish(name, model, metadata, card_text, staging / "card.png")
    print(f"{name}: MIG {headline['value']:.4f}; trained in {train_seconds:.0f} s; wrote {preset_folder(name)}")
    return saved


README = Path(__file__).resolve().parents[1] / "README.md"
TABLE_MARK = "<!-- zoo table:"


def build_mae(name: str, data_dir: str | None, from_benchmark: str | None = None) -> dict:
    import importlib.util

    from keras_ae import datasets

    recipe = MAE_RECIPES[name]
    spec = importlib.util.spec_from_file_location("mae_benchmark", recipe["benchmark"])
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)
    arrays = datasets.load_arrays(recipe["dataset"], data_dir=data_dir)
    train, validation = benchmark.split(arrays)
    if from_benchmark:
        model = training.load_saved_model(from_benchmark)
        config = {k: model.get_config()[k] for k in benchmark.MODEL}
        if config != benchmark.MODEL or int(model.optimizer.iterations) != benchmark.PRETRAIN["steps"]:
            raise SystemExit(f"zoo/recipes.py: {from_benchmark} is not the benchmark's run ({config}, "
                             f"{int(model.optimizer.iterations)} steps)")
        run = {"seconds": None, "steps": int(model.optimizer.iterations), "from": "benchmarks/cifar10_mae.py --save"}
    else:
        model = benchmark.build_model(arrays.x_train.shape[1:])
        run = benchmark.pretrain(model, train[0])
    probe = benchmark.probe_encoder(model, train, validation, (arrays.x_test, arrays.y_test))
    headline = {**HEADLINE, "dataset": recipe["dataset"]}
    headline["value"] = zoo.headline_metric(model, headline, data_dir)
    staging = Path(tempfile.mkdtemp(prefix=f"zoo-{name}-card-"))
    first_of_each_class = np.unique(arrays.y_test, return_index=True)[1]
    model.plot_reconstructions(arrays.x_test[first_of_each_class] / np.float32(255.0), staging / "card.png",
                               title=f"{name}: test images, 75% of patches hidden, reconstructions")
    settings = {"model": benchmark.MODEL, "pretrain": benchmark.PRETRAIN}
    metadata = {
        "family": "mae", "dataset": recipe["dataset"], "recipe": settings, "seed": benchmark.PRETRAIN["seed"],
        "train_seconds": run["seconds"], "cpu_threads": os.cpu_count(),
        "metrics": {"headline": headline, "linear_probe": probe},
    }
    origin = ("" if not from_benchmark else
              "\n\nThese weights are the ones the benchmark itself saved (`benchmarks/cifar10_mae.py --save`, the run "
              "of `benchmarks/results/cifar10_mae.json`), published with `--from-benchmark`: its settings are this "
              "recipe's, so pretraining again repeats that run.")
    text = f"""# {name}

{recipe["summary"]}

```python
import keras_ae
model = keras_ae.from_preset("{name}")
features = model.encode(images)       # images: (n, 32, 32, 3) in [0, 1] -> (n, 128)
filled = model.reconstruct(images)    # 75% of the patches hidden (fixed masks) and filled in
```

## Measured

| metric | value | test split |
|---|---|---|
| {HEADLINE_WORDS["sse_per_image"]}, 75% of patches hidden, visible ones pasted | **{headline["value"]:.3f}** | cifar10 test, 10000 images |
| linear probe test accuracy (keras.io's protocol: frozen features, BatchNormalization(affine=False) + softmax, SGD; epoch chosen on the 10,000 validation images) | {100 * probe["test_accuracy"]:.1f}% | same |

![test images, the patches the encoder saw, reconstructions](card.png)

## Recipe

`python zoo/recipes.py {name} --data-dir DIR`: benchmarks/cifar10_mae.py's pretraining, settings
{json.dumps(settings)}. Parameters: {model.count_params():,}. Versions:
{", ".join(f"{k} {v}" for k, v in training.versions().items())}.{origin}
"""
    saved = publish(name, model, metadata, text, staging / "card.png")
    print(f"{name}: sse_per_image {headline['value']:.4f}, probe {probe}; wrote {preset_folder(name)}")
    return saved


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
    parser.add_argument("--from-benchmark", help="mae_cifar10: publish the model benchmarks/cifar10_mae.py saved")
    args = parser.parse_args()
    every = {**RECIPES, **SERIES_RECIPES, **GAN_RECIPES, **RESTORATION_RECIPES, **DISENTANGLEMENT_RECIPES,
             **MAE_RECIPES}
    if args.list:
        for name, recipe in every.items():
            print(f"{name:<24} {recipe['summary']}")
        return
    for name in args.names or every:
        if name not in every:
            raise SystemExit(f"zoo/recipes.py: no recipe {name!r}. Recipes: {', '.join(every)}")
        builder = (build_series if name in SERIES_RECIPES else build_gan if name in GAN_RECIPES
                   else build_restoration if name in RESTORATION_RECIPES
                   else build_disentanglement if name in DISENTANGLEMENT_RECIPES else build)
        if name in MAE_RECIPES:
            build_mae(name, args.data_dir, args.from_benchmark)
        else:
            builder(name, args.data_dir)
    update_readme()


if __name__ == "__main__":
    main()
