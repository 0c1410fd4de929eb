"""VAE with a 2-dimensional code on MNIST: the latent manifold and the
labelled scatter of the test codes, the pictures of Kingma and Welling.

    python benchmarks/mnist_vae_2d.py --data-dir ../shared/datasets
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from keras_ae.cli import quiet_tensorflow  # noqa: E402

quiet_tensorflow()

import keras  # noqa: E402

import keras_ae  # noqa: E402
from keras_ae import datasets, plotting, training  # noqa: E402

# The zoo's vae2d_mnist (zoo/recipes.py) with the wider 512-256 networks.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "zoo"))
from recipes import RECIPES  # noqa: E402

RECIPE = RECIPES["vae2d_mnist"].replace(name="mnist_vae_2d", model={"options": {"units": (512, 256)}},
                                        summary="VAE of binarized MNIST with a 2-d code, for the pictures.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--epochs", type=int, default=RECIPE.fit["epochs"])
    parser.add_argument("--pictures", default=str(Path(__file__).parent / "results"))
    args = parser.parse_args()
    recipe = RECIPE.replace(fit={"epochs": args.epochs})
    fit, options = recipe.fit, dict(recipe.model["options"])
    pictures = Path(args.pictures)
    pictures.mkdir(parents=True, exist_ok=True)

    keras.utils.set_random_seed(fit["seed"])
    train, _, arrays = datasets.load("mnist", batch_size=fit["batch_size"], seed=fit["seed"], data_dir=args.data_dir)
    model = keras_ae.VAE.from_spec(
        (28, 28, 1), recipe.model["latent_dim"], architecture=recipe.model["architecture"],
        architecture_options={"units": options.pop("units")}, **options, seed=fit["seed"],
    )
    model.compile(optimizer=keras.optimizers.Adam(fit["learning_rate"]))
    started = time.perf_counter()
    history = model.fit(train, epochs=fit["epochs"], verbose=2)
    seconds = time.perf_counter() - started

    plotting.latent_manifold(model, pictures / "mnist_vae_2d_manifold.png", n=20, title="VAE, 2-D code: decoded normal-quantile grid")
    codes = model.latent_codes(arrays.x_test / 255.0)
    plotting.latent_scatter(codes, arrays.y_test, pictures / "mnist_vae_2d_scatter.png", title="VAE, 2-D code: posterior means of the 10,000 test digits")
    summary = {"recipe": recipe.to_dict(), "train_seconds": round(seconds, 1), "final_loss": history.history["loss"][-1], "versions": training.versions()}
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
