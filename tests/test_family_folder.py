"""Adding a family is adding its folder: a toy family written into one new
folder of a copy of the package (model with its own network builder,
`toy_presets.py`, `__init__.py`, test on the shared base), and nothing
else, is registered with Keras and the CLI, exported as `keras_ae.*`,
buildable by name, trainable on the shared base, and has a recipe in the zoo."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

TOY = {
    "__init__.py": '''
        """A toy family, written by tests/test_family_folder.py."""

        from keras_ae.models.toy.toy import ToyAutoencoder

        __all__ = ["ToyAutoencoder"]
    ''',
    "toy.py": '''
        """The toy family: a one-layer autoencoder on a network builder of its own."""

        import math

        import keras
        from keras import layers

        from keras_ae.blocks import register_architecture
        from keras_ae.models.base import Autoencoder, register_family


        @register_architecture("toy_mlp")
        def toy_networks(input_shape, latent_dim, units=16):
            x = keras.Input(tuple(input_shape), name="x")
            h = layers.Dense(units, activation="relu", name="hidden")(layers.Flatten(name="flat")(x))
            encoder = keras.Model(x, layers.Dense(latent_dim, name="code")(h), name="encoder")
            z = keras.Input((latent_dim,), name="z")
            h = layers.Dense(math.prod(input_shape), activation="sigmoid", name="output")(z)
            decoder = keras.Model(z, layers.Reshape(tuple(input_shape), name="image")(h), name="decoder")
            return encoder, decoder


        @register_family("toy")
        class ToyAutoencoder(Autoencoder):
            default_architecture = "toy_mlp"
            owns_networks = True

            def __init__(self, input_shape, latent_dim, units=16, reconstruction_loss="mse", **kwargs):
                architecture_args = {"input_shape": input_shape, "latent_dim": latent_dim, "units": units}
                super().__init__(*toy_networks(**architecture_args), reconstruction_loss=reconstruction_loss,
                                 **kwargs)
                self.architecture_args = architecture_args
    ''',
    "toy_presets.py": '''
        """The toy family's command-line entry and recipe."""

        from keras_ae.catalog import Family
        from keras_ae.recipes import TRAIN, Recipe

        FAMILIES = {"toy": Family("toy_mlp", True, False, ("units", "reconstruction_loss"))}

        ARCHITECTURE_OPTIONS = {"toy_mlp": ("units",)}

        RECIPES = (
            Recipe(name="toy_mnist", kind="train", model={"family": "toy", "latent_dim": 4},
                   data={"dataset": "mnist"}, fit={"epochs": 1, "batch_size": 32, **TRAIN},
                   summary="A toy."),
        )
    ''',
    "toy_test.py": '''
        import keras_ae
        from tests.family_test_base import FamilyTest


        class TestToyAutoencoder(FamilyTest):
            family_cls = keras_ae.ToyAutoencoder

            def make_model(self):
                return keras_ae.ToyAutoencoder(self.data_shape, latent_dim=4, units=8)
    ''',
}


@pytest.fixture(scope="module")
def package_with_toy(tmp_path_factory) -> Path:
    """A copy of the repository's package and tests with the toy folder added."""
    root = tmp_path_factory.mktemp("copy")
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(REPO / "keras_ae", root / "keras_ae", ignore=ignore)
    shutil.copytree(REPO / "tests", root / "tests", ignore=ignore)
    (root / "pyproject.toml").write_text((REPO / "pyproject.toml").read_text())
    before = {p.relative_to(root) for p in root.rglob("*")}
    folder = root / "keras_ae" / "models" / "toy"
    folder.mkdir()
    for name, text in TOY.items():
        (folder / name).write_text(textwrap.dedent(text).lstrip())
    added = {p.relative_to(root) for p in root.rglob("*")} - before
    assert {p.parts[:3] for p in added} == {("keras_ae", "models", "toy")}  # one folder, nothing else
    return root


def _run(root: Path, *argv: str) -> subprocess.CompletedProcess:
    environ = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([sys.executable, *argv], cwd=root, capture_output=True, text=True, env=environ,
                          timeout=600)


def test_the_cli_knows_the_toy_family_before_tensorflow(package_with_toy):
    script = """
import sys
from keras_ae import catalog, cli
assert catalog.FAMILIES["toy"].options == ("units", "reconstruction_loss"), catalog.FAMILIES["toy"]
assert catalog.ARCHITECTURE_OPTIONS["toy_mlp"] == ("units",)
assert catalog.recipes()["toy_mnist"].model["family"] == "toy"
try:
    cli.main(["train", "toy", "--option", "colour=2"])
except SystemExit as exit:
    assert exit.code == 2
assert not {"tensorflow", "keras"} & set(sys.modules), "TensorFlow loaded"
"""
    result = _run(package_with_toy, "-c", script)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Unknown option 'colour' for family 'toy' on the 'toy_mlp' architecture. Options: units, " \
           "reconstruction_loss" in result.stderr


def test_the_toy_family_is_registered_exported_and_built_by_name(package_with_toy, tmp_path):
    script = f"""
import numpy as np
import keras
import keras_ae
from keras_ae.blocks import ARCHITECTURES
from keras_ae.models.build import build_family

assert keras_ae.FAMILIES["toy"] is keras_ae.ToyAutoencoder is keras_ae.models.ToyAutoencoder
assert "ToyAutoencoder" in keras_ae.__all__ and "toy_mlp" in ARCHITECTURES
model = build_family("toy", (28, 28, 1), 4, {{"units": 8}})
assert isinstance(model, keras_ae.ToyAutoencoder) and model.architecture_args["units"] == 8
# Another family built on the toy's network builder, by name.
denoiser = build_family("denoising", (28, 28, 1), 4, {{"units": 8}}, architecture="toy_mlp")
assert denoiser.encoder.get_layer("hidden").units == 8
model.compile(optimizer="adam")
x = np.random.default_rng(0).random((64, 28, 28, 1), dtype="float32")
model.fit(x, epochs=1, batch_size=32, verbose=0)
model.save(r"{tmp_path / 'toy.keras'}")
loaded = keras.saving.load_model(r"{tmp_path / 'toy.keras'}")
assert type(loaded) is keras_ae.ToyAutoencoder
np.testing.assert_allclose(loaded.reconstruct(x[:4]), model.reconstruct(x[:4]), atol=1e-6)
print("ok")
"""
    result = _run(package_with_toy, "-c", script)
    assert result.returncode == 0 and result.stdout.split()[-1:] == ["ok"], result.stdout + result.stderr[-3000:]


def test_the_toy_family_passes_the_shared_test_base(package_with_toy):
    result = _run(package_with_toy, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0",
                  "keras_ae/models/toy/toy_test.py", "tests/test_families.py")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    passed = int(result.stdout.strip().splitlines()[-1].split(" passed")[0].split()[-1])
    assert passed >= 10, result.stdout[-1000:]
