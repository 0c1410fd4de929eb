"""The zoo's recipes: one entry per preset (data, model, fit, evaluate,
save), deterministic given its seed. Running one trains the model on the real
data set, recomputes its headline metric on the test split, writes the preset
with its model card into `zoo/presets/NAME/` beside this file (the folders
the release publishes), or into the package (`keras_ae/zoo/presets/NAME/`)
for the few it ships (`keras_ae.zoo.SHIPPED`), and records it in the
manifest, unpublished (`keras-ae zoo upload --record` pins its revision).

    python zoo/recipes.py conv_mnist --data-dir ../shared/datasets
    python zoo/recipes.py --list

A killed recipe resumes from its last epoch when run again (its backup
lives in the temporary folder, `keras-ae-recipes/NAME`, until it ends).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from keras_ae.cli import quiet_tensorflow  # noqa: E402

quiet_tensorflow()

import numpy as np  # noqa: E402

from keras_ae import catalog, outputs, plotting, training, zoo  # noqa: E402
from keras_ae.recipes import Recipe  # noqa: E402

# The publishing source of every preset the package does not ship.
PRESETS = Path(__file__).resolve().parent / "presets"


def preset_folder(name: str) -> Path:
    return zoo.PACKAGED / name if name in zoo.SHIPPED else PRESETS / name



# Every preset's recipe (keras_ae.recipes.Recipe), declared in its family's
# folder (keras_ae/models/<family>/<family>_presets.py): its kind names the
# builder below that trains it.
RECIPES = catalog.recipes()


def training_arguments(recipe: Recipe) -> dict:
    """What the recipe's builder passes to training, by the callee's name:
    the arguments that decide the weights (not where files go or how much
    is printed). tests/test_recipes.py keeps a frozen table of them."""
    model, data, fit = recipe.model, recipe.data, recipe.fit
    if recipe.kind in ("train", "gan"):
        return {"training.train": {**model, "dataset": data["dataset"], **fit}}
    if recipe.kind == "series":
        settings = {k: v for k, v in {**model, **fit}.items() if k != "lr_schedule"}
        return {"anomaly.train_series_detector": {**settings, "window": data["window"], "stride": data["stride"]},
                "series": {"train": data["train"], "test": data["test"]}}
    if recipe.kind == "restoration":
        spec = {k: v for k, v in data.items() if k != "dataset"}
        return {"ImageToImage": {"input_shape": model["input_shape"], "latent_dim": model["latent_dim"],
                                 **model["options"], "seed": fit["seed"]},
                "restoration_data": {"spec": spec, "seed": fit["seed"]},
                "Adam": {"learning_rate": fit["learning_rate"], "schedule": fit.get("lr_schedule", "constant")},
                "fit": {"epochs": fit["epochs"], "batch_size": fit["batch_size"]},
                "precision": fit.get("precision", "float32")}
    if recipe.kind == "pretrain":
        return {"MaskedAutoencoder": {"input_shape": model["input_shape"], "latent_dim": model["latent_dim"],
                                      **model["options"], "seed": fit["seed"]},
                "AdamW": {k: fit[k] for k in ("learning_rate", "lr_schedule", "warmup_steps", "weight_decay", "beta_2")},
                "fit": {k: fit[k] for k in ("steps", "batch_size", "jit_compile", "seed")}}
    return {"disentanglement.standard_model": {"family": model["family"], "seed": fit["seed"],
                                               "latent_dim": model["latent_dim"], **model["options"]},
            "disentanglement.compile_standard": {"learning_rate": fit["learning_rate"]},
            "DSprites.pipeline": {"batch_size": fit["batch_size"], "seed": fit["seed"]},
            "fit": {"steps": fit["steps"]}}


# scikit-image's bundled photographs of natural scenes and documents (no
# drawings, micrographs or astronomy).
# Grey from colour: ITU-R BT.601 luma, as PIL and MATLAB's rgb2gray compute it.
LUMA = np.array([0.299, 0.587, 0.114], dtype="float32")
PHOTOS = ("astronaut", "camera", "coffee", "chelsea", "rocket", "brick", "grass", "gravel", "coins", "moon", "page",
          "text")

HEADLINE_WORDS = {
    "sse_per_image": "squared error per image (sum over pixels in [0, 1])",
    "nll": "negative log-likelihood, nats per binarized digit (IWAE bound, k = {k})",
    "window_separation": "largest score inside the labelled window / largest outside ({series})",
    "psnr_denoise": "PSNR in dB, {dataset}, Gaussian noise sigma {sigma}",
    "psnr_upscale": "PSNR in dB on the luminance, {dataset} x{scale}",
    "frechet_pca": "Frechet distance of {samples:,} samples to the training digits, {components} principal components",
    "mig": "mutual information gap of the mean code, {samples:,} sprites drawn with seed {seed}",
}

def publish(name: str, recipe: Recipe, model, metadata: dict, draw, **card_facts) -> dict:
    """Writes the preset folder with its card and its picture (`draw(path)`
    writes the PNG), replacing an older one, records it in the manifest and
    prints the headline; returns `zoo.save_preset`'s answer. `card_facts`
    are what the card shows besides the metadata."""
    picture = Path(tempfile.mkdtemp(prefix=f"zoo-{name}-card-")) / "card.png"
    draw(picture)
    metadata = {"family": recipe.model["family"], "dataset": recipe.data["dataset"], "seed": recipe.fit["seed"],
                "recipe": {k: v for k, v in recipe.to_dict().items() if k not in ("name", "summary", "headline")},
                "cpu_threads": os.cpu_count(), **metadata}
    facts = {**metadata, "parameters": int(model.count_params()), "versions": training.versions(), **card_facts}
    target = preset_folder(name)
    shutil.rmtree(target, ignore_errors=True)
    saved = zoo.save_preset(model, target, metadata, card(name, recipe, facts), picture.read_bytes())
    entries = zoo.manifest()
    entries[name] = zoo.manifest_entry(target)
    zoo.write_manifest(entries)
    headline = metadata["metrics"]["headline"]
    print(f"{name}: {headline['name']} {headline['value']:.4f}; trained in {metadata['train_seconds']:.0f} s; "
          f"wrote {target}")
    return saved


# === Model cards ===
# One frame for every kind (title, summary, usage, measured, picture, recipe,
# versions); each kind's function below fills in what differs.


def fit_words(fit: dict) -> str:
    length = f"{fit['epochs']} epoch(s)" if "epochs" in fit else f"{fit['steps']:,} steps"
    schedule = " with cosine decay" if fit.get("lr_schedule") == "cosine" else ""
    # A policy other than float32 trains the weights too: the card says so.
    precision = f", in {fit['precision']} (float32 weights)" if fit.get("precision", "float32") != "float32" else ""
    augment = ", half the training images mirrored left-right each epoch" if fit.get("augment") == "flip" else ""
    return (f"{length} at batch {fit['batch_size']}, Adam {fit['learning_rate']}{schedule}{precision}{augment}, "
            f"seed {fit['seed']}")


def card(name: str, recipe: Recipe, facts: dict) -> str:
    """The model card (README.md) of a preset: `facts` is its metadata with
    `parameters`, `versions` and what the kind's card part asks for."""
    part = CARD_PARTS[recipe.kind](name, recipe, facts)
    command = f"python zoo/recipes.py {name}" + ("" if recipe.kind == "disentanglement" else " --data-dir DIR")
    return f"""# {name}

{recipe.summary}

```python
import keras_ae
{part["usage"]}
```
{part.get("shell", "")}
## Measured

{part["measured"]}

![{part["picture"]}](card.png)

## Recipe

`{command}`: {part["recipe"]}; trained in {facts["train_seconds"]:.0f} s on {facts["cpu_threads"]} CPU threads.
Parameters: {facts["parameters"]:,}. Versions: {", ".join(f"{k} {v}" for k, v in facts["versions"].items())}.
"""


def headline_words(headline: dict) -> str:
    return HEADLINE_WORDS[headline["name"]].format(**headline)


def train_card(name: str, recipe: Recipe, facts: dict) -> dict:
    headline, test, pca = facts["metrics"]["headline"], facts["metrics"]["test"], facts["metrics"]["pca"]
    shape = ", ".join(map(str, facts["input_shape"]))
    use = (f"codes = model.encode(images, labels)   # images: (n, {shape}) in [0, 1]; labels: (n,) class ids"
           if facts["conditional"] else f"codes = model.encode(images)          # images: (n, {shape}) in [0, 1]")
    # The squared error has its own row unless it is the headline.
    sse_row = ("" if headline["name"] == "sse_per_image" else
               f"| {HEADLINE_WORDS['sse_per_image']} | {test['sse_per_image']:.3f} | same |\n")
    return {
        "usage": f'model = keras_ae.from_preset("{name}")\n{use}',
        "measured": f"""| metric | value | test split |
|---|---|---|
| {headline_words(headline)} | **{headline["value"]:.3f}** | {headline["dataset"]} test, {test["examples"]} images |
{sse_row}| PSNR | {test["psnr_db"]:.2f} dB | same |
| PCA at the same code size ({pca["n_components"]}) | {pca["sse_per_image"]:.3f} per image | same |""",
        "picture": "test images above their reconstructions",
        "recipe": f"family `{recipe.model['family']}`, {fit_words(recipe.fit)}, options "
                  f"{json.dumps(recipe.model['options'])}",
    }


def series_card(name: str, recipe: Recipe, facts: dict) -> dict:
    headline, events = facts["metrics"]["headline"], facts["metrics"]["events"]
    return {
        "usage": f'detector = keras_ae.zoo.load_detector("{name}")\n'
                 "flags = detector.predict(values)      # values: a series at 5-minute steps, one flag per point",
        "measured": f"""| metric | value | test series |
|---|---|---|
| {headline_words(headline)} | **{headline["value"]:.3f}** | {headline["series"]}, {events["points"]} points |
| labelled windows found | {events["found"]}/{events["events"]} | same |
| false-positive runs (flagged points outside the window) | {events["false_positive_events"]} ({events["false_positive_points"]} points) | same |""",
        "picture": "the test series with the flagged points, and the scores",
        "recipe": f"family `{recipe.model['family']}`, window {recipe.data['window']}, stride {recipe.data['stride']}, "
                  f"{fit_words(recipe.fit)} (at most: early stopping on the last 10% of windows), options "
                  f"{json.dumps(recipe.model['options'])}",
    }


def gan_card(name: str, recipe: Recipe, facts: dict) -> dict:
    headline = facts["metrics"]["headline"]
    conditional = ("\nsevens = model.generate([7] * 8, seed=0)  # chosen classes; sample() takes them in turn"
                   if facts["conditional"] else "")
    return {
        "usage": f'model = keras_ae.from_preset("{name}")\n'
                 f"digits = model.sample(16, seed=0)          # (16, 28, 28, 1) in [0, 1]{conditional}",
        "measured": f"""| metric | value |
|---|---|
| {headline_words(headline)} (noise seed {headline["seed"]}) | **{headline["value"]:.3f}** |
| the same for the 10,000 MNIST test digits (the floor) | {facts["metrics"]["test_set_floor"]:.3f} |

A Frechet distance in PCA space, not an Inception FID: it compares generators of MNIST with each other and needs
no trained classifier, so the headline is recomputed exactly from the weights.
`benchmarks/mnist_gan.py` measures the unconditional DCGAN with a digit classifier (classes covered, KL to uniform).""",
        "picture": "100 samples",
        "recipe": f"family `{recipe.model['family']}`, {fit_words(recipe.fit)} (Adam with beta_1 0.5 for both "
                  f"players), options {json.dumps(recipe.model['options'])}",
    }


def restoration_card(name: str, recipe: Recipe, facts: dict) -> dict:
    headline, table = facts["metrics"]["headline"], facts["metrics"]["table"]
    upscale = headline["name"] == "psnr_upscale"
    use = ("big = keras_ae.restoration.upscale(model, image, scale=3)   # image: (h, w, 1 or 3) in [0, 1]"
           if upscale else "clean = model.restore(noisy)            # noisy: (h, w, "
           f"{recipe.model['input_shape'][-1]}) in [0, 1], any size")
    header = "| test set | scale | bicubic PSNR / SSIM | model PSNR / SSIM |\n|---|---|---|---|\n" if upscale else \
        "| test set | noise sigma | PSNR | SSIM |\n|---|---|---|---|\n"
    rows = "".join(
        f"| {r['dataset']} | x{r['scale']} | {r['bicubic_psnr']:.2f} / {r['bicubic_ssim']:.4f} | "
        f"{r['model_psnr']:.2f} / {r['model_ssim']:.4f} |\n" if upscale else
        f"| {r['dataset']} | {r['sigma']} | {r['psnr']:.2f} | {r['ssim']:.4f} |\n" for r in table)
    protocol = ("PSNR and SSIM on the luminance (grey images put on the [16, 235] range of Y), the scale factor's "
                "width of border left out, bicubic as MATLAB's imresize: the SRCNN / VDSR protocol." if upscale else
                "White Gaussian noise added to the 8-bit images scaled to [0, 1], unclipped, drawn with NumPy's "
                "default_rng(image index); outputs clipped to [0, 1].")
    data = recipe.data
    sources = f"{data['photo_patches']:,} random {data['patch']}x{data['patch']} patches of scikit-image's photographs " \
              f"({', '.join(PHOTOS)})" + (" and the 50,000 CIFAR-10 training images" if data["cifar10"] else "")
    model = {k: v for k, v in recipe.model.items() if k != "options"}
    return {
        "usage": f'model = keras_ae.from_preset("{name}")\n{use}',
        "shell": f"\nOr from a shell: `keras-ae {'upscale' if upscale else 'denoise'} {name} IMAGE... --out DIR`.\n",
        "measured": f"Headline: {headline_words(headline)}: **{headline['value']:.3f}**.\n\n{header}{rows}\n{protocol}",
        "picture": f"{'bicubic and model' if upscale else 'noisy, denoised and clean'} crops",
        "recipe": f"trained on {sources}; {fit_words(recipe.fit)}. Model: {json.dumps(model)}, options "
                  f"{json.dumps(recipe.model['options'])}",
    }


def disentanglement_card(name: str, recipe: Recipe, facts: dict) -> dict:
    headline = facts["metrics"]["headline"]
    rows = "".join(f"| {factor} | {gap:.3f} |\n" for factor, gap in facts["metrics"]["mig_per_factor"].items())
    return {
        "usage": f"""from keras_ae.datasets import DSprites
model = keras_ae.from_preset("{name}")
sprites = DSprites().observations_from_factors(factors)  # factors: (n, 5) class indices
codes = model.latent_codes(sprites)  # the mean code, (n, {recipe.model["latent_dim"]})""",
        "measured": f"""{headline_words(headline)}: **{headline["value"]:.3f}** (disentanglement_lib's 20-bin histogram
estimate). The gap of each factor (its most informative unit over the runner-up, divided by its entropy):

| factor | MIG term |
|---|---|
{rows}
`benchmarks/dsprites_disentanglement.py` trains a VAE, a beta-VAE, a beta-TCVAE and a FactorVAE on this budget over
three seeds and scores them with all five disentanglement_lib metrics.""",
        "picture": "latent traversal: one row per code unit, labelled with the factor it tells most about",
        "recipe": f"family `{recipe.model['family']}`, {fit_words(recipe.fit)} of sprites drawn from the generator "
                  "(a short budget: disentanglement_lib trains for 300,000 steps at Adam 1e-4), options "
                  f"{json.dumps(recipe.model['options'])}",
    }


def pretrain_card(name: str, recipe: Recipe, facts: dict) -> dict:
    headline, probe, fit = facts["metrics"]["headline"], facts["metrics"]["linear_probe"], recipe.fit
    origin = ("" if not facts["from_benchmark"] else
              "; these weights are the ones the benchmark itself saved (`benchmarks/cifar10_mae.py --save`, the run "
              "of `benchmarks/results/cifar10_mae.json`), published with `--from-benchmark`: its settings are this "
              "recipe's, so pretraining again repeats that run")
    return {
        "usage": f'model = keras_ae.from_preset("{name}")\n'
                 "features = model.encode(images)       # images: (n, 32, 32, 3) in [0, 1] -> (n, 128)\n"
                 "filled = model.reconstruct(images)    # 75% of the patches hidden (fixed masks) and filled in",
        "measured": f"""| metric | value | test split |
|---|---|---|
| {headline_words(headline)}, 75% of patches hidden, visible ones pasted | **{headline["value"]:.3f}** | {headline["dataset"]} test, 10000 images |
| linear probe test accuracy (keras.io's protocol: frozen features, BatchNormalization(affine=False) + softmax, SGD; epoch chosen on the 10,000 validation images) | {100 * probe["test_accuracy"]:.1f}% | same |""",
        "picture": "test images, the patches the encoder saw, reconstructions",
        "recipe": f"benchmarks/cifar10_mae.py's pretraining, family `mae`, {fit['steps']:,} steps at batch "
                  f"{fit['batch_size']}, AdamW {fit['learning_rate']} (warm-up {fit['warmup_steps']} steps, then "
                  f"cosine decay; weight decay {fit['weight_decay']}, beta_2 {fit['beta_2']}), XLA, seed "
                  f"{fit['seed']}, options {json.dumps(recipe.model['options'])}{origin}",
    }


CARD_PARTS = {"train": train_card, "series": series_card, "gan": gan_card, "restoration": restoration_card,
              "disentanglement": disentanglement_card, "pretrain": pretrain_card}


# === Builders ===


def train_with_training(name: str, recipe: Recipe, data_dir: str | None, backup: bool):
    """(model, training.train's metrics) of a "train" or "gan" recipe."""
    run = Path(tempfile.mkdtemp(prefix=f"zoo-{name}-")) / "run"
    resume = {"backup_dir": Path(tempfile.gettempdir()) / "keras-ae-recipes" / name} if backup else {}
    metrics = training.train(**training_arguments(recipe)["training.train"], data_dir=data_dir, out=run, verbose=2,
                             **resume)
    return training.load_saved_model(run / "model.keras"), metrics


def build(name: str, data_dir: str | None) -> dict:
    from keras_ae import datasets

    recipe = RECIPES[name]
    model, metrics = train_with_training(name, recipe, data_dir, backup=True)
    headline = {**recipe.headline, "dataset": recipe.data["dataset"]}
    headline["value"] = zoo.headline_metric(model, headline, data_dir)
    metadata = {"train_seconds": metrics["train_seconds"],
                "metrics": {"headline": headline, "test": metrics["test"], "pca": metrics["pca"]}}
    arrays = datasets.load_arrays(recipe.data["dataset"], data_dir=data_dir)
    x = arrays.x_test[:10] / 255.0
    labels = (arrays.y_test[:10],) if model.conditional else ()
    return publish(name, recipe, model, metadata, lambda path: plotting.reconstruction_grid(
        x, model.reconstruct(x, *labels), path, f"{name}: test {headline['name']} {headline['value']:.3f}"),
        input_shape=model.data_shape, conditional=bool(labels))


def build_series(name: str, data_dir: str | None) -> dict:
    from keras_ae import anomaly
    from keras_ae.datasets import nab

    recipe = RECIPES[name]
    arguments = training_arguments(recipe)
    train, test = (nab.load_series(arguments["series"][part], data_dir) for part in ("train", "test"))
    settings = dict(arguments["anomaly.train_series_detector"])
    family = settings.pop("family")
    started = time.perf_counter()
    detector = anomaly.train_series_detector(family, train.values, **settings)
    train_seconds = time.perf_counter() - started
    detector_config = {k: v for k, v in detector.get_config().items() if k != "kind"}
    headline = dict(recipe.headline)
    headline["value"] = zoo.headline_metric(detector.model, headline, data_dir, detector_config)
    scores = detector.score(test.values)
    flags = scores > detector.threshold
    events = {k: v for k, v in anomaly.event_detection(flags, test.windows).items() if k != "windows_found"}
    metadata = {"train_seconds": round(train_seconds, 1), "detector": detector_config,
                "metrics": {"headline": headline, "events": {**events, "points": len(test.values)}}}
    print(f"{name}: events {events}")
    return publish(name, recipe, detector.model, metadata, lambda path: plotting.anomaly_plot(
        test.timestamps, test.values, scores, flags, detector.threshold, path, test.windows,
        f"{name} on {headline['series']}: separation {headline['value']:.3f}"))


def build_gan(name: str, data_dir: str | None) -> dict:
    from keras_ae import datasets, evaluation

    recipe = RECIPES[name]
    model, metrics = train_with_training(name, recipe, data_dir, backup=False)
    headline = dict(recipe.headline)
    headline["value"] = zoo.headline_metric(model, headline, data_dir)
    arrays = datasets.load_arrays(headline["dataset"], data_dir=data_dir)
    floor = evaluation.pca_frechet_distance(arrays.x_test, arrays.x_train, headline["components"])
    metadata = {"train_seconds": metrics["train_seconds"], "metrics": {"headline": headline, "test_set_floor": floor}}
    print(f"{name}: test-set floor {floor:.4f}")
    return publish(name, recipe, model, metadata, lambda path: plotting.image_grid(
        model.sample(100, seed=headline["seed"]), path, columns=10, title=f"{name}: samples (seed {headline['seed']})"),
        conditional=model.conditional)


def build_restoration(name: str, data_dir: str | None) -> dict:
    import keras

    from keras_ae import ImageToImage, restoration

    recipe = RECIPES[name]
    arguments = training_arguments(recipe)
    training._set_op_determinism(True)
    keras.utils.set_random_seed(recipe.fit["seed"])
    x, y = restoration_data(**arguments["restoration_data"], data_dir=data_dir)
    # Trained in the recipe's precision (mixed_bfloat16 trains these U-Nets
    # 1.5-1.7x faster with oneDNN: benchmarks/results/cpu_modes.json), published
    # in float32, so that a user's CPU without bfloat16 kernels runs it at speed.
    precision = arguments["precision"]
    keras.mixed_precision.set_global_policy(precision)
    try:
        model = ImageToImage(**arguments["ImageToImage"])
    finally:
        keras.mixed_precision.set_global_policy("float32")
    fit, adam = arguments["fit"], arguments["Adam"]
    step = adam["learning_rate"]
    if adam["schedule"] == "cosine":
        steps = fit["epochs"] * -(-len(x) // fit["batch_size"])
        step = keras.optimizers.schedules.CosineDecay(step, decay_steps=steps, alpha=0.01)
    model.compile(optimizer=keras.optimizers.Adam(step))
    started = time.perf_counter()
    model.fit(x, y, **fit, verbose=2)
    train_seconds = time.perf_counter() - started
    if precision != "float32":
        trained, model = model, ImageToImage(**arguments["ImageToImage"], name=model.name)
        model.set_weights(trained.get_weights())
    headline = dict(recipe.headline)
    headline["value"] = zoo.headline_metric(model, headline, data_dir)
    table = []
    if headline["name"] == "psnr_upscale":
        for dataset in ("Set5", "Set14"):
            images = restoration.load_test_set(dataset, data_dir)
            for scale in recipe.data["scales"]:
                table.append({"dataset": dataset, "scale": scale, **restoration.upscaling_psnr(model, images, scale)})
    else:
        images = restoration.load_test_set(headline["dataset"], data_dir)
        for sigma in (15, 25, 50):
            table.append({"dataset": headline["dataset"], "sigma": sigma, **restoration.denoising_psnr(model, images, sigma)})
    for row in table:
        print(row)
    metadata = {"dataset": headline["dataset"].lower(), "train_seconds": round(train_seconds, 1),
                "metrics": {"headline": headline, "table": table}}
    return publish(name, recipe, model, metadata, lambda path: restoration_picture(model, headline, data_dir, path))


def build_disentanglement(name: str, data_dir: str | None) -> dict:
    from keras_ae import disentanglement
    from keras_ae.datasets.dsprites import FACTOR_NAMES, DSprites

    recipe = RECIPES[name]
    arguments = training_arguments(recipe)
    training._set_op_determinism(True)
    model = disentanglement.standard_model(**arguments["disentanglement.standard_model"])
    disentanglement.compile_standard(model, **arguments["disentanglement.compile_standard"])
    sprites = DSprites()
    data = sprites.pipeline(**arguments["DSprites.pipeline"], shuffle=True).repeat()
    # Chunks of 500 steps, as benchmarks/dsprites_disentanglement.py trains, so that its run of the same model and
    # seed is this one.
    steps = arguments["fit"]["steps"]
    chunk = min(500, steps)
    started = time.perf_counter()
    model.fit(data, epochs=steps // chunk, steps_per_epoch=chunk, verbose=2)
    train_seconds = time.perf_counter() - started
    headline = dict(recipe.headline)
    # One pass for the headline (what zoo.headline_metric recomputes) and the card's per-factor terms and labels.
    gaps = disentanglement.model_mig(model, sprites, headline["samples"], headline["seed"])
    headline["value"] = gaps["mig"]
    labels = disentanglement.unit_labels(gaps["codes"], gaps, FACTOR_NAMES)
    metadata = {"train_seconds": round(train_seconds, 1),
                "metrics": {"headline": headline,
                            "mig_per_factor": dict(zip(FACTOR_NAMES, np.round(gaps["per_factor"], 4).tolist())),
                            "units": labels}}
    start = sprites.observations_from_factors(np.array([disentanglement.TRAVERSAL_START]))
    return publish(name, recipe, model, metadata, lambda path: plotting.latent_traversal(
        model, model.latent_codes(start)[0], path, row_labels=labels,
        title=f"{name}: each unit swept over [-2, 2] from an ellipse's mean code"))




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


def restoration_data(spec: dict, seed: int, data_dir: str | None):
    """The (inputs, targets) a restoration recipe trains on: clean patches
    and no targets for a denoiser (the model adds the noise), bicubic-degraded
    patches and the originals for super-resolution."""

    from keras_ae import datasets, restoration

    rng = np.random.default_rng(seed)
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


def restoration_picture(model, headline: dict, data_dir: str | None, path: Path) -> None:
    from matplotlib.figure import Figure

    from keras_ae import restoration

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


README = Path(__file__).resolve().parents[1] / "README.md"
TABLE_MARK = "<!-- zoo table:"


def build_pretrain(name: str, data_dir: str | None, from_benchmark: str | None = None) -> dict:
    import importlib.util

    from keras_ae import datasets

    recipe = RECIPES[name]
    # The benchmark's functions pretrain and probe (it reads this recipe).
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "cifar10_mae.py"
    spec = importlib.util.spec_from_file_location("mae_benchmark", path)
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)
    arrays = datasets.load_arrays(recipe.data["dataset"], data_dir=data_dir)
    train, validation = benchmark.split(arrays)
    if from_benchmark:
        model = training.load_saved_model(from_benchmark)
        config = {k: model.get_config()[k] for k in benchmark.MODEL}
        if config != benchmark.MODEL or int(model.optimizer.iterations) != benchmark.PRETRAIN["steps"]:
            raise SystemExit(f"zoo/recipes.py: {from_benchmark} is not the recipe's run ({config}, "
                             f"{int(model.optimizer.iterations)} steps)")
        # The time is that run's, as its results file recorded it.
        results = json.loads((path.parent / "results" / "cifar10_mae.json").read_text())
        run = {"seconds": results["pretrain"]["seconds"], "steps": int(model.optimizer.iterations)}
    else:
        model = benchmark.build_model(recipe.model["input_shape"])
        run = benchmark.pretrain(model, train[0])
    probe = benchmark.probe_encoder(model, train, validation, (arrays.x_test, arrays.y_test))
    headline = {**recipe.headline, "dataset": recipe.data["dataset"]}
    headline["value"] = zoo.headline_metric(model, headline, data_dir)
    first_of_each_class = np.unique(arrays.y_test, return_index=True)[1]
    images = arrays.x_test[first_of_each_class] / np.float32(255.0)
    metadata = {"train_seconds": run["seconds"], "metrics": {"headline": headline, "linear_probe": probe}}
    return publish(name, recipe, model, metadata, lambda path: plotting.masked_reconstruction_grid(
        model, images, path, title=f"{name}: test images, 75% of patches hidden, reconstructions"),
        from_benchmark=bool(from_benchmark))


BUILDERS = {"train": build, "series": build_series, "gan": build_gan, "restoration": build_restoration,
            "disentanglement": build_disentanglement, "pretrain": build_pretrain}


def update_readme() -> None:
    """Replaces the table under the README's zoo-table comment with the
    manifest's (the one `keras-ae zoo list` prints)."""
    lines = README.read_text().splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith(TABLE_MARK)) + 1
    end = start
    while end < len(lines) and (lines[end].startswith("|") or lines[end].strip() in ("ZOO_TABLE", "")):
        end += 1
    README.write_text("".join(lines[:start]) + zoo.presets_table() + "\n" + "".join(lines[end:]))


# === Cards re-rendered ===


def rendered_card(name: str) -> str:
    """The card the current template renders for a published "train"
    preset from its own files: the figures in its metadata, the shape and
    conditioning of its model."""
    recipe = RECIPES[name]
    if recipe.kind != "train":
        raise SystemExit(f"zoo/recipes.py: --recard renders the cards of \"train\" recipes only; "
                         f"{name}'s kind is {recipe.kind!r}")
    folder = preset_folder(name)
    metadata = json.loads((folder / "metadata.json").read_text())
    model = zoo.from_preset(folder)
    return card(name, recipe, {**metadata, "input_shape": model.data_shape, "conditional": bool(model.conditional)})


def recard(name: str) -> None:
    """Rewrites a published "train" preset's card with the current
    template, without retraining, and records the card's new sha256 in its
    metadata and the preset's files in the manifest (the hub entry kept)."""
    folder = preset_folder(name)
    text = rendered_card(name)
    metadata = json.loads((folder / "metadata.json").read_text())
    with outputs.atomic_file(folder / "README.md") as staging:
        staging.write_text(text)
    metadata["sha256"]["README.md"] = zoo.sha256(folder / "README.md")
    with outputs.atomic_file(folder / "metadata.json") as staging:
        staging.write_text(json.dumps(metadata, indent=2))
    entries = zoo.manifest()
    entries[name] = {**zoo.manifest_entry(folder), "hub": entries[name]["hub"]}
    zoo.write_manifest(entries)
    print(f"{name}: card re-rendered; wrote {folder / 'README.md'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="presets to build (default: all)")
    parser.add_argument("--data-dir", help="folder with the data sets' files")
    parser.add_argument("--list", action="store_true", help="list the recipes")
    parser.add_argument("--from-benchmark", help="mae_cifar10: publish the model benchmarks/cifar10_mae.py saved")
    parser.add_argument("--recard", action="store_true",
                        help="re-render the named \"train\" presets' cards with the current template (no training)")
    args = parser.parse_args()
    if args.list:
        for name, recipe in RECIPES.items():
            print(f"{name:<24} {recipe.summary}")
        return
    for name in args.names:
        if name not in RECIPES:
            raise SystemExit(f"zoo/recipes.py: no recipe {name!r}. Recipes: {', '.join(RECIPES)}")
    if args.recard:
        for name in args.names or [name for name, recipe in RECIPES.items() if recipe.kind == "train"]:
            recard(name)
        return
    for name in args.names or RECIPES:
        more = {"from_benchmark": args.from_benchmark} if RECIPES[name].kind == "pretrain" else {}
        BUILDERS[RECIPES[name].kind](name, args.data_dir, **more)
    update_readme()


if __name__ == "__main__":
    main()
