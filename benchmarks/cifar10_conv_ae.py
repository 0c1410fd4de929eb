"""Conv AE on CIFAR-10 with a 128-dimensional code, against PCA at 128.

The zoo's conv_cifar10 recipe's settings by default (in its own loop, so
not the recipe's batch order), with the widths, epochs, precision and flips
as arguments: trains on the 50,000 training images and prints, after every
epoch, the squared reconstruction error per test image (summed over the
3,072 values in [0, 1]) as a fraction of PCA's at the same 128
dimensions. The zoo's bar for conv_cifar10 is 0.75 of PCA's error; this is
the script that measures how near a recipe comes.

    python benchmarks/cifar10_conv_ae.py --data-dir ../shared/datasets --epochs 20 --augment none
"""

from __future__ import annotations

import argparse
import json
import os
import time

from keras_ae.cli import quiet_tensorflow

quiet_tensorflow()

import keras  # noqa: E402

import keras_ae  # noqa: E402
from keras_ae import catalog, datasets, evaluation, training  # noqa: E402

# The zoo's bar: conv_cifar10's error at most this fraction of PCA's.
BAR = 0.75


def _widths(text: str) -> tuple[int, ...]:
    """'64,128,256' -> (64, 128, 256); argparse reports a ValueError as a
    bad value of --filters."""
    widths = tuple(int(f) for f in text.split(","))
    if min(widths) < 1:
        raise ValueError(text)
    return widths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None, help="folder with cifar10-jpeg.tar.gz (default: the Keras cache)")
    parser.add_argument("--filters", type=_widths, help="channels of the stride-2 stages, comma-separated (default: the recipe's)")
    parser.add_argument("--epochs", type=int, help="default: the recipe's")
    parser.add_argument("--precision", choices=training.PRECISIONS, help="default: the recipe's")
    parser.add_argument("--augment", choices=("flip", "none"), help="default: the recipe's")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    recipe = catalog.recipes()["conv_cifar10"]
    fit = {k: v for k, v in {"epochs": args.epochs, "precision": args.precision}.items() if v is not None}
    if args.augment is not None:
        fit["augment"] = None if args.augment == "none" else args.augment
    model = {"options": {"filters": args.filters}} if args.filters else {}
    recipe = recipe.replace(name="cifar10_conv_ae", model=model, fit=fit)
    fit, latent_dim = recipe.fit, recipe.model["latent_dim"]

    keras.utils.set_random_seed(fit["seed"])
    train, _, arrays = datasets.load("cifar10", batch_size=fit["batch_size"], seed=fit["seed"], data_dir=args.data_dir,
                                     augment=fit.get("augment"))
    pca = evaluation.pca_baseline(arrays.x_train, arrays.x_test, latent_dim)
    keras.mixed_precision.set_global_policy(fit["precision"])
    model = keras_ae.ConvAutoencoder((32, 32, 3), latent_dim, **recipe.model["options"])
    steps = fit["epochs"] * len(train)
    model.compile(optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(fit["learning_rate"], steps)))

    epochs = []
    started = time.perf_counter()

    def measure(epoch, logs):
        sse = evaluation.evaluate_model(model, arrays.x_test)["sse_per_image"]
        epochs.append({"epoch": epoch + 1, "sse_per_image": sse, "of_pca": sse / pca["sse_per_image"],
                       "seconds": round(time.perf_counter() - started, 1)})
        print(f"epoch {epoch + 1:3d}: test SSE/image {sse:7.3f} = {sse / pca['sse_per_image']:.3f} x PCA "
              f"({epochs[-1]['seconds']:.0f} s)", flush=True)

    model.fit(train, epochs=fit["epochs"], verbose=0, callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=measure)])
    results = {
        "recipe": recipe.to_dict(),
        "parameters": int(model.count_params()),
        "cpu_threads": os.cpu_count(),
        "pca_128": pca,
        "bar_sse_per_image": BAR * pca["sse_per_image"],
        "epochs": epochs,
        "versions": training.versions(),
    }
    print(f"PCA at 128: {pca['sse_per_image']:.3f}; the bar ({BAR} x PCA): {BAR * pca['sse_per_image']:.3f}; "
          f"{model.count_params():,} parameters")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
