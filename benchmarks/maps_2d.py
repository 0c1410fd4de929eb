"""2-D maps of the MNIST and Fashion-MNIST test sets: a VAE's 2-d code beside
PCA's first two components, coloured by class, with numbers that compare them.

The MNIST map is the `vae2d_mnist` preset's posterior means; the Fashion-MNIST
model is trained here with the same recipe and a fixed seed (about 3 minutes
on 2 CPU cores). Each map is scored by

- 10-NN accuracy: a 10-nearest-neighbour classifier fitted on the map of the
  60,000 training images, tested on the map of the 10,000 test images;
- trustworthiness (Venna and Kaski 2001, `sklearn.manifold.trustworthiness`,
  10 neighbours) of the map of 2,000 test images drawn with seed 0 against
  their pixels: 1 when no point gains a neighbour in 2-D that it lacked in
  pixel space.

    python benchmarks/maps_2d.py --data-dir ../shared/datasets --json benchmarks/results/maps_2d.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from keras_ae.cli import quiet_tensorflow  # noqa: E402

quiet_tensorflow()

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.manifold import trustworthiness  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402

from keras_ae import datasets, training  # noqa: E402
from keras_ae.wrappers import SKLearnAutoencoder  # noqa: E402

# The vae2d_mnist preset's recipe (zoo/recipes.py) on Fashion-MNIST, except
# binarization: a garment's grey levels are its texture, not pen ink, so the
# Bernoulli likelihood reads them as probabilities.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "zoo"))
from recipes import RECIPES  # noqa: E402

FASHION_RECIPE = RECIPES["vae2d_mnist"].replace(
    name="vae2d_fashion_mnist", data={"dataset": "fashion_mnist"}, model={"options": {"binarize": False}},
    summary="VAE of Fashion-MNIST with a 2-dimensional code, for the 2-D map.",
)
NEIGHBOURS = 10
TRUST_SAMPLE = 2000


def autoencoder_maps(dataset: str, arrays, model_path: str | None) -> tuple[np.ndarray, np.ndarray, dict]:
    """The 2-d codes of the training and test images, and how they were made."""
    if dataset == "mnist":
        encoder = SKLearnAutoencoder("vae2d_mnist").fit(arrays.x_train)
        about = {"model": "preset vae2d_mnist (posterior means)"}
    elif model_path is not None:
        encoder = SKLearnAutoencoder(model_path).fit(arrays.x_train)
        about = {"model": f"{model_path} (posterior means)"}
    else:
        started = time.perf_counter()
        encoder = SKLearnAutoencoder(**FASHION_RECIPE.model, **FASHION_RECIPE.fit, verbose=2).fit(arrays.x_train)
        about = {"model": "VAE trained here (posterior means)", "recipe": FASHION_RECIPE.to_dict(),
                 "train_seconds": round(time.perf_counter() - started, 1),
                 "final_loss": encoder.history_["loss"][-1]}
    return encoder.transform(arrays.x_train), encoder.transform(arrays.x_test), about


def scores(train_map: np.ndarray, test_map: np.ndarray, arrays, sample: np.ndarray) -> dict:
    knn = KNeighborsClassifier(NEIGHBOURS).fit(train_map, arrays.y_train)
    pixels = arrays.x_test[sample].reshape(len(sample), -1).astype("float32") / 255.0
    return {
        f"knn{NEIGHBOURS}_accuracy": float(knn.score(test_map, arrays.y_test)),
        f"trustworthiness_{NEIGHBOURS}": float(trustworthiness(pixels, test_map[sample], n_neighbors=NEIGHBOURS)),
    }


def picture(maps: dict, arrays, title: str, path: Path) -> None:
    fig, axes = plt.subplots(1, len(maps), figsize=(6.2 * len(maps), 5.6))
    colours = plt.get_cmap("tab10")
    for ax, (name, (points, metrics)) in zip(axes, maps.items()):
        order = np.random.default_rng(0).permutation(len(points))  # no class drawn on top of all others
        ax.scatter(points[order, 0], points[order, 1], c=colours(arrays.y_test[order]), s=2, alpha=0.6, rasterized=True)
        ax.set_title(
            f"{name}\n10-NN accuracy {metrics[f'knn{NEIGHBOURS}_accuracy']:.3f}, "
            f"trustworthiness {metrics[f'trustworthiness_{NEIGHBOURS}']:.3f}", fontsize=10,
        )
        ax.set_xticks([])
        ax.set_yticks([])
    handles = [plt.Line2D([], [], marker="o", linestyle="", color=colours(i), label=c) for i, c in enumerate(arrays.class_names)]
    fig.legend(handles=handles, loc="center left", bbox_to_anchor=(0.9, 0.5), fontsize=9, frameon=False)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout(rect=(0, 0, 0.9, 1))
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None, help="folder with mnist.npz and fashion-mnist/ (default: KERAS_AE_DATA_DIR, Keras cache)")
    parser.add_argument("--datasets", default="mnist,fashion_mnist")
    parser.add_argument("--fashion-model", default=None, help="a .keras file or preset with a 2-d code to map Fashion-MNIST instead of training one")
    parser.add_argument("--pictures", default=str(Path(__file__).parent / "results"))
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    pictures = Path(args.pictures)
    pictures.mkdir(parents=True, exist_ok=True)

    results = {}
    for dataset in args.datasets.split(","):
        arrays = datasets.load_arrays(dataset, data_dir=args.data_dir)
        sample = np.sort(np.random.default_rng(0).choice(len(arrays.x_test), TRUST_SAMPLE, replace=False))
        ae_train, ae_test, about = autoencoder_maps(dataset, arrays, args.fashion_model)
        # PCA sees the unlabelled training images only, as the autoencoder did.
        flat_train = arrays.x_train.reshape(len(arrays.x_train), -1).astype("float32") / 255.0
        pca = PCA(2, random_state=0).fit(flat_train)
        pca_train = pca.transform(flat_train)
        pca_test = pca.transform(arrays.x_test.reshape(len(arrays.x_test), -1).astype("float32") / 255.0)
        maps = {
            "VAE, 2-d code": (ae_test, scores(ae_train, ae_test, arrays, sample)),
            "PCA, 2 components": (pca_test, scores(pca_train, pca_test, arrays, sample)),
        }
        path = pictures / f"maps_2d_{dataset}.png"
        picture(maps, arrays, f"{dataset}: the 10,000 test images in 2-D, coloured by class", path)
        results[dataset] = {"autoencoder": {**about, **maps["VAE, 2-d code"][1]}, "pca": maps["PCA, 2 components"][1],
                            "picture": path.name}
        print(f"{dataset}: {json.dumps(results[dataset])}", flush=True)

    print(f"\n| data set | map | {NEIGHBOURS}-NN accuracy | trustworthiness ({NEIGHBOURS}) |\n|---|---|---|---|")
    for dataset, result in results.items():
        for name in ("autoencoder", "pca"):
            r = result[name]
            label = "VAE 2-d code" if name == "autoencoder" else "PCA 2 components"
            print(f"| {dataset} | {label} | {r[f'knn{NEIGHBOURS}_accuracy']:.3f} | {r[f'trustworthiness_{NEIGHBOURS}']:.3f} |")
    if args.json:
        summary = {"results": results, "neighbours": NEIGHBOURS, "trustworthiness_sample": TRUST_SAMPLE,
                   "versions": training.versions()}
        Path(args.json).write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
