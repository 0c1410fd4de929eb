"""The recipe schema shared by the zoo (`zoo/recipes.py`) and the benchmarks:
one plain declaration per trained model, whatever trains it.

Pure Python, imported without TensorFlow, and low in the package (it imports
nothing of keras_ae), so that a family's own folder can declare its recipe.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

# What trains a recipe (the zoo's builder for each):
#   "train": keras_ae.training.train (autoencoders)
#   "gan": keras_ae.training.train (adversarial families), headline a Frechet distance
#   "series": keras_ae.anomaly.train_series_detector on a NAB series
#   "restoration": ImageToImage on patches of photographs
#   "disentanglement": keras_ae.disentanglement.standard_model on dSprites, by steps
#   "pretrain": a masked autoencoder by steps (AdamW, warm-up then cosine), as
#       benchmarks/cifar10_mae.py pretrains it; its card adds a linear probe
KINDS = ("train", "series", "gan", "restoration", "disentanglement", "pretrain")

# The headline unless a recipe names another: reconstruction error.
DEFAULT_HEADLINE = {"name": "sse_per_image"}


@dataclasses.dataclass(frozen=True)
class Recipe:
    """One trained model, declared: what it is, what it sees, how it is fit,
    and the metric its card leads with.

    Args:
        name: the preset's (or the benchmark run's) name.
        kind: what trains it, one of `KINDS`.
        model: `family` and `latent_dim`, with `architecture`, `input_shape`
            and `options` (the family's keyword arguments) where they apply;
            a series detector adds its `scoring` and `point_reduce`.
        data: `dataset`, and what the kind reads besides: NAB's `train` and
            `test` series and the `window` and `stride`; restoration's
            `channels`, `patch`, `photo_patches`, `cifar10`, `scales`.
        fit: `epochs` or `steps`, `batch_size`, `learning_rate`, `seed`, and
            `lr_schedule` ("constant" unless named; "cosine" decays the step).
        summary: the model card's first paragraph.
        headline: the metric the card leads with, `{"name": ..., **settings}`.

    Example:

    >>> Recipe(name="dense_tiny", kind="train",
    ...        model={"family": "dense", "latent_dim": 4, "options": {"units": (16,)}},
    ...        data={"dataset": "mnist_sample"},
    ...        fit={"epochs": 1, "batch_size": 32, "learning_rate": 1e-3, "seed": 0},
    ...        summary="A small MLP autoencoder.").fit["epochs"]
    1
    """

    name: str
    kind: str
    model: Mapping[str, Any]
    data: Mapping[str, Any]
    fit: Mapping[str, Any]
    summary: str
    headline: Mapping[str, Any] = dataclasses.field(default_factory=lambda: dict(DEFAULT_HEADLINE))

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Recipe {self.name!r}: `kind` must be one of {KINDS}. Received: kind={self.kind!r}")
        for part, keys in (("model", ("family",)), ("data", ("dataset",)),
                           ("fit", ("batch_size", "learning_rate", "seed")), ("headline", ("name",))):
            missing = [key for key in keys if key not in getattr(self, part)]
            if missing:
                raise ValueError(f"Recipe {self.name!r}: `{part}` lacks {missing}. Received: {part}={getattr(self, part)}")
        if ("epochs" in self.fit) == ("steps" in self.fit):
            raise ValueError(f"Recipe {self.name!r}: `fit` takes `epochs` or `steps`, one of them. "
                             f"Received: fit={self.fit}")

    def replace(self, **changes: Any) -> Recipe:
        """A copy with `changes`: a mapping given for `model`, `data`, `fit`
        or `headline` is merged into the recipe's (an `options` mapping into
        the model's options), other fields are replaced."""
        merged = {}
        for key, value in changes.items():
            old = getattr(self, key)
            if isinstance(old, Mapping) and isinstance(value, Mapping):
                value = {**old, **value}
                if key == "model" and isinstance(changes[key].get("options"), Mapping):
                    value["options"] = {**old.get("options", {}), **changes[key]["options"]}
            merged[key] = value
        return dataclasses.replace(self, **merged)

    def to_dict(self) -> dict:
        """The recipe as plain dicts (what a metadata or results file records)."""
        return dataclasses.asdict(self)


# Settings that the recipes of several families share (each family's
# `<family>_presets.py` declares its own recipes with them).
TRAIN = {"learning_rate": 1e-3, "seed": 0}
# Anomaly detectors on NAB: a sequence autoencoder trained on a normal
# series, its headline the separation of its scores on a labelled one.
NAB_ART_DAILY = {"dataset": "nab", "train": "artificialNoAnomaly/art_daily_small_noise",
                 "test": "artificialWithAnomaly/art_daily_jumpsup", "window": 288}
# The shipped detectors were trained when a point scored its own error
# (scoring "point"); named here, since train_series_detector's defaults have
# moved to the window rule, so that these recipes still rebuild them.
NAB_DETECTOR = {"latent_dim": 32, "scoring": "point", "point_reduce": "min"}
ON_NAB = {"kind": "series", "fit": {"epochs": 50, "batch_size": 128, "learning_rate": 1e-3, "seed": 0},
          "headline": {"name": "window_separation", "dataset": "nab", "series": NAB_ART_DAILY["test"]}}
# Disentanglement: a VAE-family model of the procedural dSprites on the
# standard networks, trained by optimizer steps on generated sprites, its
# headline the MIG of its mean code.
ON_DSPRITES = {"kind": "disentanglement", "data": {"dataset": "dsprites"},
               "headline": {"name": "mig", "dataset": "dsprites", "samples": 10000, "seed": 2019}}
DSPRITES_FIT = {"steps": 2000, "batch_size": 64, "learning_rate": 1e-3, "seed": 0}


def index(*recipes: Recipe) -> dict[str, Recipe]:
    """name -> recipe, refusing two recipes of one name."""
    named: dict[str, Recipe] = {}
    for recipe in recipes:
        if recipe.name in named:
            raise ValueError(f"Two recipes are named {recipe.name!r}.")
        named[recipe.name] = recipe
    return named
