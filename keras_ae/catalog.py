"""What the command line checks before it loads TensorFlow: the families,
the options each accepts, the data sets and the built-in presets.

Importing TensorFlow takes seconds, so `keras-ae` checks what the user typed
against this module first and answers a typo at once. It imports nothing
heavy. Each family's folder (`keras_ae/models/<name>/`) declares its entry
in `<name>_presets.py`, a file of plain Python that this module reads by
path: importing the folder as a package would run the family's model code,
which loads Keras. The entries repeat what the registry (`keras_ae.FAMILIES`,
the constructors' signatures) says; tests/test_cli.py checks that the two
agree, family by family and option by option, so adding a family or an
argument without its entry fails the tests (the failure prints the entry).
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import json
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import NamedTuple

from keras_ae.recipes import Recipe, index
from keras_ae.validation import check_choice

# The data sets `keras_ae.datasets` loads (it imports this tuple).
DATASETS: tuple[str, ...] = ("mnist_sample", "mnist", "fashion_mnist", "cifar10", "image_folder")
# What training can do to its images (`keras_ae.datasets.make_pipeline`'s
# `augment`): None, or "flip", left-right mirrors.
AUGMENTATIONS: tuple[str | None, ...] = (None, "flip")

# The keyword arguments of each shared builder in keras_ae.blocks.ARCHITECTURES,
# less the shape and code size a run sets itself; a family folder's
# `ARCHITECTURE_OPTIONS` adds the networks it registers (`architecture_options()`).
SHARED_ARCHITECTURE_OPTIONS: dict[str, tuple[str, ...]] = {
    "dense": ("units", "activation", "latent_activation", "output_activation", "top_k"),
    "conv": ("filters", "kernel_size", "dense_units", "activation", "latent_activation", "output_activation",
             "decoder_batch_norm"),
    "transformer": ("dim", "num_heads", "num_layers", "mlp_units", "memory_tokens", "patch_size", "position",
                    "activation", "latent_activation", "output_activation", "mask_value"),
}


# The series detector benchmarked on NAB's art_daily pair (benchmarks/nab_anomaly.py,
# part 1, reads this table): the defaults of `keras_ae.anomaly.train_series_detector`
# and of `keras-ae fit-detector` (here, for its --help without TensorFlow), so that the README's commands give the benchmark's
# figures. Each window is scored by its mean error, the threshold fit on the
# training windows (see `SeriesAnomalyDetector.fit_threshold`): over seeds 0-2
# with oneDNN on and off, the conv1d and LSTM detectors found the labelled
# window every time with no false alarm, every score outside it at most 0.81
# of the threshold. Each point's own error against the largest training point
# score, the benchmark's rule before, flagged a day transition in 4 of those 6
# runs of its conv1d detector (stride 1). Stride 4 trains in about a third of
# stride 1's time.
SERIES_DETECTOR_DEFAULTS = {
    "window": 288, "stride": 4, "latent_dim": 32, "epochs": 50, "batch_size": 128, "learning_rate": 1e-3,
    "seed": 0, "threshold": "max", "k": 3.0, "percentile": 99.0, "scoring": "window", "point_reduce": "min",
    "error": "mse",
}
# The benchmarked architectures, pinned here so that a change to a family's
# own defaults cannot move the detector away from its figures.
# The transformer reads the window as 72 tokens of 4 steps: attention over
# 288 single steps trained 14x slower on 2 CPU cores.
SERIES_DETECTOR_OPTIONS = {
    "conv1d": {"filters": (32, 16), "kernel_size": 7},
    "recurrent": {"units": (64,)},
    "transformer": {"dim": 32, "num_heads": 2, "num_layers": 2, "mlp_units": 64, "memory_tokens": 4, "patch_size": 4},
}


class Family(NamedTuple):
    """What `keras-ae train` needs to know of a family without building it."""

    # The architecture `from_spec` builds unless told (None: a GAN's own networks).
    default_architecture: str | None
    # True when the constructor builds its networks itself (its options
    # include the architecture's; no other architecture is accepted).
    owns_networks: bool
    # Networks taking a label beside the data (cvae, cgan).
    conditional: bool
    # The family's own options: constructor arguments (those it passes on
    # to the families it extends included), or a GAN's `from_spec` arguments.
    options: tuple[str, ...]

    @property
    def adversarial(self) -> bool:
        return self.default_architecture is None


# Where the families live: one folder each, holding `<name>_presets.py`.
MODELS = Path(__file__).parent / "models"


def family_folders() -> list[Path]:
    """The family folders under `keras_ae/models/`, sorted by name."""
    return sorted(path.parent for path in MODELS.glob("*/*_presets.py") if path.stem == f"{path.parent.name}_presets")


@functools.cache
def declarations() -> tuple[ModuleType, ...]:
    """Each family folder's `<name>_presets.py` module (read by path, unless
    it is already imported)."""
    modules = []
    for folder in family_folders():
        name = f"keras_ae.models.{folder.name}.{folder.name}_presets"
        module = sys.modules.get(name)
        if module is None:
            spec = importlib.util.spec_from_file_location(name, folder / f"{folder.name}_presets.py")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        modules.append(module)
    return tuple(modules)


def _merged(attribute: str, start: dict) -> dict:
    merged = dict(start)
    for module in declarations():
        for key, value in getattr(module, attribute, {}).items():
            if key in merged:
                raise ValueError(f"{module.__name__} declares {attribute} {key!r} a second time.")
            merged[key] = value
    return dict(sorted(merged.items()))


@functools.cache
def families() -> dict[str, Family]:
    """Family name -> its entry, from every family folder."""
    return _merged("FAMILIES", {})


@functools.cache
def architecture_options() -> dict[str, tuple[str, ...]]:
    """Architecture name -> its builder's options, shared and family-owned."""
    return _merged("ARCHITECTURE_OPTIONS", SHARED_ARCHITECTURE_OPTIONS)


def recipes() -> dict[str, Recipe]:
    """Every preset's recipe, name -> recipe, from the family folders."""
    return index(*(recipe for module in declarations() for recipe in getattr(module, "RECIPES", ())))


@functools.cache
def family_classes() -> tuple[str, ...]:
    """The public class names each family folder exports (its `__init__`'s
    `__all__`), read from source, for `keras_ae`'s namespace."""
    names = []
    for folder in family_folders():
        for node in ast.parse((folder / "__init__.py").read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
                names += ast.literal_eval(node.value)
    return tuple(names)


def __getattr__(name: str):
    # FAMILIES and ARCHITECTURE_OPTIONS read the family folders on first use.
    if name == "FAMILIES":
        return families()
    if name == "ARCHITECTURE_OPTIONS":
        return architecture_options()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# The built-in presets' manifest (keras_ae.zoo.MANIFEST), read here as a
# file because keras_ae.zoo imports Keras.
PRESET_MANIFEST = Path(__file__).parent / "zoo" / "manifest.json"


def get_family(name: str) -> Family:
    check_choice(name, sorted(families()), "family")
    return families()[name]


def train_options(family: str, architecture: str | None) -> tuple[str, list[str], list[str]]:
    """(architecture, the family's options, the architecture's options) of
    a `train` run, as `keras_ae.training.split_options` routes them."""
    entry = get_family(family)
    if entry.adversarial:
        if architecture is not None:
            raise ValueError(
                f"The {family!r} family has its own DCGAN networks; set them with "
                f"--option filters=... / kernel_size=.... Received: architecture={architecture!r}"
            )
        return None, list(entry.options), []
    options = architecture_options()
    architecture = check_choice(architecture or entry.default_architecture, options, "architecture")
    network = [] if entry.owns_networks else list(options[architecture])
    return architecture, list(entry.options), network


def check_options(family: str, architecture: str | None, options: dict, accepted: list[str]) -> None:
    """Refuses the first option `accepted` lacks, naming the ones it has."""
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        where = f" on the {architecture!r} architecture" if architecture else ""
        raise ValueError(
            f"Unknown option {unknown[0]!r} for family {family!r}{where}. Options: {', '.join(accepted)}. "
            f"Received: options={options!r}"
        )


def detector_options(family: str) -> list[str]:
    """The options `keras-ae fit-detector` passes to `from_spec`: the
    family's own, and the architecture to build it on."""
    entry = get_family(family)
    if entry.adversarial or entry.conditional:
        raise ValueError(f"A detector needs an autoencoder of unlabelled data. Received: family={family!r}")
    return [*entry.options, "architecture", "architecture_options"]


def check_xla(jit_compile: bool, deterministic: bool) -> None:
    if jit_compile and deterministic:
        raise ValueError(
            "XLA and TensorFlow's op determinism exclude each other (Keras turns XLA off while "
            "determinism is on): pass deterministic=False (--no-deterministic) with jit_compile. "
            "Received: jit_compile=True, deterministic=True"
        )


def preset_names() -> list[str]:
    """The built-in presets, sorted."""
    return sorted(json.loads(PRESET_MANIFEST.read_text())) if PRESET_MANIFEST.is_file() else []


def check_model_path(model: str | os.PathLike) -> None:
    """A saved .keras file, a built-in preset name, a preset folder or a hub
    handle, as `keras_ae.training.load_saved_model` accepts."""
    if Path(model).is_file() or str(model) in preset_names() or (Path(model) / "metadata.json").is_file():
        return
    if "://" in str(model):  # a base URL, or a hub handle whose form keras_ae.hub checks (it imports nothing heavy)
        from keras_ae import hub

        if hub.scheme_of(model) not in ("https", "http", "file"):
            hub.parse_handle(model, "model")
        return
    raise ValueError(
        f"`model` must be a saved .keras file or a preset ({', '.join(preset_names())}). "
        f"Received: model='{model}'"
    )
