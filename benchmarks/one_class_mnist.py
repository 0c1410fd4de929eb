"""One-class MNIST: for each digit, train a conv autoencoder on that digit's
training images only, then score all 10,000 test images by reconstruction
error (the digit = normal, the other nine = anomalies) and report AUROC.

Printed beside the published figures of Ruff et al. 2018 ("Deep One-Class
Classification", ICML, Table 1: the deep convolutional autoencoder DCAE and
one-class Deep SVDD, mean over the 10 digits) and beside an Isolation
Forest on raw pixels fitted here on the same training images.

    python benchmarks/one_class_mnist.py --data-dir ../shared/datasets --json benchmarks/results/one_class_mnist.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from keras_ae.cli import quiet_tensorflow  # noqa: E402

quiet_tensorflow()

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_ae  # noqa: E402
from keras_ae import anomaly, datasets  # noqa: E402
from keras_ae.recipes import Recipe  # noqa: E402

# One model a digit: the data is that digit's training images.
RECIPE = Recipe(
    name="one_class_mnist", kind="train",
    model={"family": "conv", "latent_dim": 16, "options": {"filters": (32, 64), "output_activation": "sigmoid"}},
    data={"dataset": "mnist"}, fit={"epochs": 20, "batch_size": 64, "learning_rate": 1e-3, "seed": 0},
    summary="Conv autoencoder of one MNIST digit, scoring the test set by reconstruction error.",
)
# Ruff et al. 2018, MNIST, mean AUROC in % over the 10 normal digits.
PUBLISHED_MEANS = {"DCAE (Ruff et al. 2018)": 89.7, "OC Deep SVDD (Ruff et al. 2018)": 94.8}


def conv_ae_scores(recipe: Recipe, x_train: np.ndarray, x_test: np.ndarray) -> np.ndarray:
    fit = recipe.fit
    keras.utils.set_random_seed(fit["seed"])
    model = keras_ae.ConvAutoencoder(x_train.shape[1:], recipe.model["latent_dim"], **recipe.model["options"])
    model.compile(optimizer=keras.optimizers.Adam(fit["learning_rate"]))
    model.fit(x_train, epochs=fit["epochs"], batch_size=fit["batch_size"], verbose=0)
    return anomaly.AnomalyDetector(model).score(x_test)


def isolation_forest_scores(x_train: np.ndarray, x_test: np.ndarray, seed: int) -> np.ndarray:
    from sklearn.ensemble import IsolationForest

    forest = IsolationForest(n_estimators=100, random_state=seed).fit(x_train.reshape(len(x_train), -1))
    return -forest.score_samples(x_test.reshape(len(x_test), -1))  # higher = more anomalous


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None, help="folder with mnist.npz (default: KERAS_AE_DATA_DIR, Keras cache)")
    parser.add_argument("--digits", default="0,1,2,3,4,5,6,7,8,9")
    parser.add_argument("--epochs", type=int, default=RECIPE.fit["epochs"])
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    recipe = RECIPE.replace(fit={"epochs": args.epochs})
    arrays = datasets.load_arrays("mnist", data_dir=args.data_dir)
    x_train = arrays.x_train.astype("float32") / 255.0
    x_test = arrays.x_test.astype("float32") / 255.0
    results = {}
    for digit in [int(d) for d in args.digits.split(",")]:
        normal = x_train[arrays.y_train == digit]
        labels = arrays.y_test != digit  # 1 = anomaly
        started = time.perf_counter()
        ours = anomaly.roc_auc(conv_ae_scores(recipe, normal, x_test), labels)
        seconds = time.perf_counter() - started
        forest = anomaly.roc_auc(isolation_forest_scores(normal, x_test, recipe.fit["seed"]), labels)
        results[digit] = {"keras_ae conv AE": ours, "Isolation Forest (pixels)": forest,
                          "train_images": len(normal), "seconds": round(seconds, 1)}
        print(f"digit {digit}: conv AE AUROC {ours:.4f}, Isolation Forest {forest:.4f} ({seconds:.0f} s)", flush=True)

    digits = sorted(results)
    columns = {"keras_ae conv AE": [results[d]["keras_ae conv AE"] * 100 for d in digits],
               "Isolation Forest (pixels)": [results[d]["Isolation Forest (pixels)"] * 100 for d in digits]}
    print("\n| normal digit | " + " | ".join(columns) + " |")
    print("|---|" + "---|" * len(columns))
    for i, d in enumerate(digits):
        print(f"| {d} | " + " | ".join(f"{values[i]:.1f}" for values in columns.values()) + " |")
    means = {name: float(np.mean(values)) for name, values in columns.items()}
    print("| **mean** | " + " | ".join(f"**{m:.1f}**" for m in means.values()) + " |")
    print("\nPublished means, same protocol: " + ", ".join(f"{k} {v:.1f}" for k, v in PUBLISHED_MEANS.items()))
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"per_digit": results, "mean_auroc_percent": means, "published_means": PUBLISHED_MEANS, "recipe": recipe.to_dict()}, indent=2))


if __name__ == "__main__":
    main()
