"""VAE with a 2-dimensional code on MNIST: the latent manifold and the
labelled scatter of the test codes, the pictures of Kingma and Welling.

    python benchmarks/mnist_vae_2d.py --data-dir ../shared/datasets
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402

import keras_ae  # noqa: E402
from keras_ae import datasets, plotting, training  # noqa: E402

RECIPE = {"units": (512, 256), "epochs": 30, "batch_size": 128, "learning_rate": 1e-3, "seed": 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--epochs", type=int, default=RECIPE["epochs"])
    parser.add_argument("--pictures", default=str(Path(__file__).parent / "results"))
    args = parser.parse_args()
    recipe = {**RECIPE, "epochs": args.epochs}
    pictures = Path(args.pictures)
    pictures.mkdir(parents=True, exist_ok=True)

    keras.utils.set_random_seed(recipe["seed"])
    train, _, arrays = datasets.load("mnist", batch_size=recipe["batch_size"], seed=recipe["seed"], data_dir=args.data_dir)
    model = keras_ae.VAE.from_spec(
        (28, 28, 1), 2, architecture="dense", architecture_options={"units": recipe["units"]}, binarize=True, seed=0
    )
    model.compile(optimizer=keras.optimizers.Adam(recipe["learning_rate"]))
    started = time.perf_counter()
    history = model.fit(train, epochs=recipe["epochs"], verbose=2)
    seconds = time.perf_counter() - started

    plotting.latent_manifold(model, pictures / "mnist_vae_2d_manifold.png", n=20, title="VAE, 2-D code: decoded normal-quantile grid")
    codes = model.latent_codes(arrays.x_test / 255.0)
    plotting.latent_scatter(codes, arrays.y_test, pictures / "mnist_vae_2d_scatter.png", title="VAE, 2-D code: posterior means of the 10,000 test digits")
    summary = {"recipe": recipe, "train_seconds": round(seconds, 1), "final_loss": history.history["loss"][-1], "versions": training.versions()}
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
