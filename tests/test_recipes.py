"""The recipe schema (keras_ae.recipes) and the zoo's recipes: every recipe
still passes to training what the zoo's builders passed before the schema,
and every kind's model card renders."""

import ast
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

# What each recipe's builder passed to training before the one schema,
# frozen: a recipe that trains differently must change the table too.
FROZEN = ast.literal_eval((ROOT / "tests" / "recipe_arguments.txt").read_text())


def with_defaults(arguments: dict) -> dict:
    """`arguments` with the trainers' defaults filled in, so that a recipe
    naming a default (a learning rate, the dSprites code size) compares equal
    to one that left it out."""
    from keras_ae import disentanglement, training
    from keras_ae.catalog import SERIES_DETECTOR_DEFAULTS

    filled = {callee: dict(args) if isinstance(args, dict) else args for callee, args in arguments.items()}
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
        "input_shape": (28, 28, 1), "conditional": recipe.model["family"] in ("cvae", "cgan"), "from_benchmark": True,
        "metrics": {
            "headline": headline, "test": {"examples": 10000, "sse_per_image": 9.0, "psnr_db": 20.0},
            "pca": {"n_components": 30, "sse_per_image": 20.0}, "test_set_floor": 0.5, "table": [row],
            "events": {"found": 1, "events": 1, "false_positive_events": 0, "false_positive_points": 0, "points": 4032},
            "mig_per_factor": {"shape": 0.1, "scale": 0.2},
            "linear_probe": {"validation_accuracy": 0.51, "test_accuracy": 0.5},
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
    # A recipe trained under another dtype policy says so in its card.
    precision = recipe.fit.get("precision", "float32")
    assert (f"in {precision} (float32 weights)" in text) == (precision != "float32")


@pytest.mark.parametrize("name", [name for name, recipe in zoo_recipes.RECIPES.items() if recipe.kind == "train"])
def test_every_published_train_card_is_what_the_template_renders(name):
    # A template change reaches the published cards by `zoo/recipes.py --recard`.
    card = (zoo_recipes.preset_folder(name) / "README.md").read_text()
    assert card == zoo_recipes.rendered_card(name)
    assert card.count(f"| {zoo_recipes.HEADLINE_WORDS['sse_per_image']} |") == 1  # one row, headline or not


def test_recard_rewrites_the_card_and_its_hashes_only(tmp_path, monkeypatch):
    import json
    import shutil

    from keras_ae import presets, zoo

    name = "conv_mnist"
    folder, manifest = tmp_path / name, tmp_path / "manifest.json"
    shutil.copytree(zoo_recipes.preset_folder(name), folder)
    shutil.copy(presets.MANIFEST, manifest)
    published = zoo_recipes.rendered_card(name)
    # An older card, its hash recorded as the recipe recorded it.
    (folder / "README.md").write_text("an old card\n")
    metadata = json.loads((folder / "metadata.json").read_text())
    metadata["sha256"]["README.md"] = zoo.sha256(folder / "README.md")
    (folder / "metadata.json").write_text(json.dumps(metadata, indent=2))
    monkeypatch.setattr(zoo_recipes, "preset_folder", lambda _: folder)
    monkeypatch.setattr(presets, "MANIFEST", manifest)
    before = json.loads(manifest.read_text())
    zoo_recipes.recard(name)
    after = json.loads(manifest.read_text())
    assert (folder / "README.md").read_text() == published
    assert {k: v for k, v in after.items() if k != name} == {k: v for k, v in before.items() if k != name}
    assert after[name] == {**zoo.manifest_entry(folder), "hub": before[name]["hub"]}
    zoo.from_preset(folder)  # every file matches the sha256 its metadata records
    assert sorted(p.name for p in folder.iterdir()) == sorted(zoo.FILES)  # no staging file left
    with pytest.raises(SystemExit, match="dcgan_mnist's kind is 'gan'"):
        zoo_recipes.rendered_card("dcgan_mnist")


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
