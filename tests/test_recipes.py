"""The recipe schema (keras_ae.recipes) and the zoo's recipes: every recipe
still passes to training what the zoo's builders passed before the schema,
and every kind's model card renders."""

import importlib.util
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

from keras_ae.recipes import KINDS, Recipe, index

ROOT = Path(__file__).resolve().parents[1]


def load_zoo_recipes():
    spec = importlib.util.spec_from_file_location("zoo_recipes", ROOT / "zoo" / "recipes.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


zoo_recipes = load_zoo_recipes()

# What each recipe's builder passed to training at f2baa09, before the one
# schema (read from the five old recipe dicts: training.train's keyword
# arguments, anomaly.train_series_detector's, ImageToImage's, ...), frozen
# here: a recipe that trains differently must change this table too.
FROZEN = {
    "dense_mnist": {
        "training.train": {
            "family": "dense", "dataset": "mnist", "epochs": 20, "batch_size": 128, "latent_dim": 32,
            "options": {"units": (256,)}, "seed": 0,
        },
    },
    "conv_mnist": {
        "training.train": {
            "family": "conv", "dataset": "mnist", "epochs": 8, "batch_size": 32, "latent_dim": 30,
            "options": {"filters": (32, 64)}, "seed": 0,
        },
    },
    "denoising_mnist": {
        "training.train": {
            "family": "denoising", "dataset": "mnist", "epochs": 6, "batch_size": 64, "latent_dim": 32,
            "options": {"filters": (32, 64), "noise": "gaussian", "noise_level": 0.3}, "seed": 0,
        },
    },
    "sparse_mnist": {
        "training.train": {
            "family": "sparse", "dataset": "mnist", "architecture": "dense", "epochs": 15, "batch_size": 128,
            "latent_dim": 64, "options": {"units": (256,), "sparsity": "l1"}, "seed": 0,
        },
    },
    "contractive_mnist": {
        "training.train": {
            "family": "contractive", "dataset": "mnist", "epochs": 15, "batch_size": 128, "latent_dim": 64,
            "options": {"contractive_weight": 0.1}, "seed": 0,
        },
    },
    "vq_vae_mnist": {
        "training.train": {
            "family": "vq_vae", "dataset": "mnist", "epochs": 5, "batch_size": 64, "latent_dim": 16,
            "options": {"num_codes": 64, "filters": (32, 64)}, "seed": 0,
        },
    },
    "vae_mnist": {
        "training.train": {
            "family": "vae", "dataset": "mnist", "architecture": "dense", "epochs": 320, "batch_size": 128,
            "latent_dim": 50, "lr_schedule": "cosine",
            "options": {"units": (512, 256), "binarize": True, "kl_warmup_steps": 10000}, "seed": 0,
        },
    },
    "vae2d_mnist": {
        "training.train": {
            "family": "vae", "dataset": "mnist", "architecture": "dense", "epochs": 30, "batch_size": 128,
            "latent_dim": 2, "options": {"units": (400,), "binarize": True}, "seed": 0,
        },
    },
    "conv_fashion_mnist": {
        "training.train": {
            "family": "conv", "dataset": "fashion_mnist", "epochs": 10, "batch_size": 64, "latent_dim": 32,
            "options": {"filters": (32, 64)}, "seed": 0,
        },
    },
    "cvae_mnist": {
        "training.train": {
            "family": "cvae", "dataset": "mnist", "architecture": "conv", "epochs": 10, "batch_size": 64,
            "latent_dim": 16, "options": {"filters": (32, 64)}, "seed": 0,
        },
    },
    "conv_cifar10": {
        "training.train": {
            "family": "conv", "dataset": "cifar10", "epochs": 10, "batch_size": 64, "latent_dim": 128,
            "options": {"filters": (32, 64, 128)}, "seed": 0,
        },
    },
    "dcgan_mnist": {
        "training.train": {
            "family": "gan", "epochs": 15, "dataset": "mnist", "batch_size": 128, "latent_dim": 64,
            "learning_rate": 0.0002, "options": {"filters": (32, 64), "kernel_size": 4}, "seed": 0,
        },
    },
    "cgan_mnist": {
        "training.train": {
            "family": "cgan", "epochs": 10, "dataset": "mnist", "batch_size": 128, "latent_dim": 64,
            "learning_rate": 0.0002, "options": {"filters": (32, 64), "kernel_size": 4}, "seed": 0,
        },
    },
    "conv1d_nab_art_daily": {
        "anomaly.train_series_detector": {
            "family": "conv1d", "window": 288, "stride": 1, "latent_dim": 32, "epochs": 50, "batch_size": 128,
            "options": {"filters": (32, 16), "kernel_size": 7}, "seed": 0, "scoring": "point", "point_reduce": "min",
        },
        "series": {
            "train": "artificialNoAnomaly/art_daily_small_noise", "test": "artificialWithAnomaly/art_daily_jumpsup",
        },
    },
    "recurrent_nab_art_daily": {
        "anomaly.train_series_detector": {
            "family": "recurrent", "window": 288, "stride": 4, "latent_dim": 32, "epochs": 50, "batch_size": 128,
            "options": {"units": (64,)}, "seed": 0, "scoring": "point", "point_reduce": "min",
        },
        "series": {
            "train": "artificialNoAnomaly/art_daily_small_noise", "test": "artificialWithAnomaly/art_daily_jumpsup",
        },
    },
    "transformer_nab_art_daily": {
        "anomaly.train_series_detector": {
            "family": "transformer", "window": 288, "stride": 4, "latent_dim": 32, "epochs": 50, "batch_size": 128,
            "options": {"dim": 32, "num_heads": 2, "num_layers": 2, "mlp_units": 64, "memory_tokens": 4, "patch_size": 4},
            "seed": 0, "scoring": "window", "point_reduce": "min",
        },
        "series": {
            "train": "artificialNoAnomaly/art_daily_small_noise", "test": "artificialWithAnomaly/art_daily_jumpsup",
        },
    },
    "unet_denoise_grey": {
        "ImageToImage": {
            "latent_dim": 128, "filters": (32, 64), "blocks": 2, "style": "unet", "residual": True,
            "input_shape": (None, None, 1), "noise_level": (0.0196078431372549, 0.21568627450980393), "seed": 0,
        },
        "restoration_data": {
            "spec": {"channels": 1, "patch": 32, "cifar10": True, "photo_patches": 20000}, "seed": 0,
        },
        "Adam": {"learning_rate": 0.001, "schedule": "cosine"},
        "fit": {"epochs": 2, "batch_size": 32},
    },
    "unet_denoise_colour": {
        "ImageToImage": {
            "latent_dim": 128, "filters": (32, 64), "blocks": 2, "style": "unet", "residual": True,
            "input_shape": (None, None, 3), "noise_level": (0.0196078431372549, 0.21568627450980393), "seed": 0,
        },
        "restoration_data": {
            "spec": {"channels": 3, "patch": 32, "cifar10": True, "photo_patches": 20000}, "seed": 0,
        },
        "Adam": {"learning_rate": 0.001, "schedule": "cosine"},
        "fit": {"epochs": 1, "batch_size": 32},
    },
    "unet_upscale_grey": {
        "ImageToImage": {
            "latent_dim": 128, "filters": (32, 64), "blocks": 2, "style": "unet", "residual": True,
            "input_shape": (None, None, 1), "noise_level": 0.0, "seed": 0,
        },
        "restoration_data": {
            "spec": {"channels": 1, "patch": 48, "cifar10": False, "photo_patches": 32000, "scales": (2, 3, 4)},
            "seed": 0,
        },
        "Adam": {"learning_rate": 0.001, "schedule": "cosine"},
        "fit": {"epochs": 2, "batch_size": 32},
    },
    "beta_vae_dsprites": {
        "disentanglement.standard_model": {"family": "beta_vae", "seed": 0, "beta": 4.0},
        "disentanglement.compile_standard": {"learning_rate": 0.001},
        "DSprites.pipeline": {"batch_size": 64, "seed": 0},
        "fit": {"steps": 2000},
    },
    "beta_tcvae_dsprites": {
        "disentanglement.standard_model": {"family": "beta_tcvae", "seed": 0, "beta": 6.0, "dataset_size": 737280},
        "disentanglement.compile_standard": {"learning_rate": 0.001},
        "DSprites.pipeline": {"batch_size": 64, "seed": 0},
        "fit": {"steps": 2000},
    },
    "factor_vae_dsprites": {
        "disentanglement.standard_model": {
            "family": "factor_vae", "seed": 0, "gamma": 35.0, "discriminator_units": (256, 256, 256, 256, 256, 256),
        },
        "disentanglement.compile_standard": {"learning_rate": 0.001},
        "DSprites.pipeline": {"batch_size": 128, "seed": 0},
        "fit": {"steps": 2000},
    },
}


def with_defaults(arguments: dict) -> dict:
    """`arguments` with the trainers' defaults filled in, so that a recipe
    naming a default (a learning rate, the dSprites code size) compares equal
    to one that left it out."""
    from keras_ae import disentanglement, training
    from keras_ae.catalog import SERIES_DETECTOR_DEFAULTS

    filled = {callee: dict(args) for callee, args in arguments.items()}
    if "training.train" in filled:
        bound = inspect.signature(training.train).bind(**filled["training.train"])
        bound.apply_defaults()
        args = dict(bound.arguments)
        if args["learning_rate"] is None:  # training.train's rule for its default
            args["learning_rate"] = 2e-4 if args["family"] in ("gan", "cgan") else 1e-3
        filled["training.train"] = args
    if "anomaly.train_series_detector" in filled:
        filled["anomaly.train_series_detector"].setdefault("learning_rate", SERIES_DETECTOR_DEFAULTS["learning_rate"])
    if "disentanglement.standard_model" in filled:
        bound = inspect.signature(disentanglement.standard_model).bind(**filled["disentanglement.standard_model"])
        bound.apply_defaults()
        args = dict(bound.arguments)
        args.update(args.pop("options"))
        filled["disentanglement.standard_model"] = args
    return filled


def typed(value):
    """`value` with each list and tuple marked as which it is: a list would
    serialize as the tuple did but makes another config."""
    if isinstance(value, dict):
        return {key: typed(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value).__name__, [typed(item) for item in value]
    return value


def test_every_recipe_trains_as_before_the_schema():
    assert sorted(zoo_recipes.RECIPES) == sorted(FROZEN)
    for name, recipe in zoo_recipes.RECIPES.items():
        assert recipe.name == name
        arguments = zoo_recipes.training_arguments(recipe)
        assert typed(with_defaults(arguments)) == typed(with_defaults(FROZEN[name])), name


def facts(recipe: Recipe) -> dict:
    """Made-up measurements with every field any kind's card reads."""
    headline = {"dataset": recipe.data["dataset"], **recipe.headline, "value": 1.2345}
    row = {"dataset": "Set5", "scale": 3, "sigma": 25, "psnr": 30.0, "ssim": 0.9, "bicubic_psnr": 28.0,
           "bicubic_ssim": 0.8, "model_psnr": 31.0, "model_ssim": 0.91}
    return {
        "train_seconds": 12.0, "cpu_threads": 2, "parameters": 1234, "versions": {"keras_ae": "0"},
        "input_shape": (28, 28, 1), "conditional": recipe.model["family"] in ("cvae", "cgan"),
        "metrics": {
            "headline": headline, "test": {"examples": 10000, "sse_per_image": 9.0, "psnr_db": 20.0},
            "pca": {"n_components": 30, "sse_per_image": 20.0}, "test_set_floor": 0.5, "table": [row],
            "events": {"found": 1, "events": 1, "false_positive_events": 0, "false_positive_points": 0, "points": 4032},
            "mig_per_factor": {"shape": 0.1, "scale": 0.2},
        },
    }


@pytest.mark.parametrize("name", list(zoo_recipes.RECIPES))
def test_every_recipe_card_renders_with_the_common_frame(name):
    recipe = zoo_recipes.RECIPES[name]
    text = zoo_recipes.card(name, recipe, facts(recipe))
    assert text.startswith(f"# {name}\n\n{recipe.summary}\n\n```python\nimport keras_ae\n")
    assert f'"{name}"' in text and "**1.234**" in text
    assert f"`python zoo/recipes.py {name}" in text and "Parameters: 1,234. Versions: keras_ae 0." in text
    assert "{" not in text.split("## Recipe")[0].replace("{}", "")  # no placeholder left unfilled


def test_schema_module_imports_without_tensorflow():
    code = "import sys, keras_ae.recipes; assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_recipe_checks_and_replace_merges():
    recipe = zoo_recipes.RECIPES["vae2d_mnist"]
    assert recipe.kind in KINDS
    longer = recipe.replace(fit={"epochs": 3}, model={"options": {"binarize": False}}, data={"dataset": "fashion_mnist"})
    assert longer.fit == {**recipe.fit, "epochs": 3} and longer.data["dataset"] == "fashion_mnist"
    assert longer.model["options"] == {"units": (400,), "binarize": False} and longer.model["latent_dim"] == 2
    assert recipe.fit["epochs"] == 30  # the declaration is untouched
    with pytest.raises(ValueError, match="Received: kind='fit'"):
        recipe.replace(kind="fit")
    with pytest.raises(ValueError, match="`epochs` or `steps`"):
        recipe.replace(fit={"steps": 10})
    with pytest.raises(ValueError, match="Two recipes are named 'vae2d_mnist'"):
        index(recipe, recipe)
