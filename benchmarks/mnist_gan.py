"""DCGAN on MNIST: mode coverage and Frechet distance, judged by a
classifier the project trains on MNIST.

Trains a small CNN classifier on the 60,000 training digits (its 128-unit
penultimate layer gives the features; this is not the Inception network of
the published FID, so the distances compare only with each other), a DCGAN,
and for comparison a dense VAE. Reports the class histogram of 10,000 GAN
samples as the classifier labels them (KL divergence to uniform), and the
Frechet distance to the training set of: GAN samples, VAE samples (decoded
Bernoulli means), and the held-out test digits (the floor). Writes a sample
grid, the generator's progress across epochs and an interpolation strip.

    python benchmarks/mnist_gan.py --data-dir ../shared/datasets --json benchmarks/results/mnist_gan.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from keras_ae.cli import quiet_tensorflow  # noqa: E402

quiet_tensorflow()

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_ae  # noqa: E402
from keras_ae import datasets, evaluation, plotting, training  # noqa: E402
from keras_ae.callbacks import GenerationProgress  # noqa: E402

# The zoo's dcgan_mnist (zoo/recipes.py): Adam 2e-4 with beta_1 = 0.5 for
# both players (Radford et al.).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "zoo"))
from recipes import RECIPES  # noqa: E402

RECIPE = RECIPES["dcgan_mnist"]
# The zoo's vae_mnist on a short run at a constant step.
VAE_RECIPE = RECIPES["vae_mnist"].replace(
    name="mnist_gan_vae", model={"options": {"kl_warmup_steps": 2000}}, fit={"epochs": 20, "lr_schedule": "constant"},
    summary="The VAE whose samples the GAN's are compared with.",
)
SAMPLES = 10_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None, help="folder with mnist.npz (default: KERAS_AE_DATA_DIR, Keras cache)")
    parser.add_argument("--epochs", type=int, default=RECIPE.fit["epochs"])
    parser.add_argument("--pictures", default=str(Path(__file__).parent / "results"), help="folder for the PNGs")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    recipe = RECIPE.replace(fit={"epochs": args.epochs})
    fit, options = recipe.fit, recipe.model["options"]
    pictures = Path(args.pictures)
    pictures.mkdir(parents=True, exist_ok=True)

    arrays = datasets.load_arrays("mnist", data_dir=args.data_dir)
    x_train = arrays.x_train.astype("float32") / 255.0
    results = {"recipe": recipe.to_dict(), "vae_recipe": VAE_RECIPE.to_dict(), "cpu_threads": os.cpu_count(), "versions": training.versions()}

    started = time.perf_counter()
    classifier = evaluation.train_feature_classifier(arrays.x_train, arrays.y_train, epochs=3, seed=0)
    accuracy = float(np.mean(np.argmax(classifier.predict(arrays.x_test / 255.0, verbose=0), axis=1) == arrays.y_test))
    results["classifier"] = {"test_accuracy": accuracy, "train_seconds": round(time.perf_counter() - started, 1)}

    keras.utils.set_random_seed(fit["seed"])
    gan = keras_ae.GAN.from_spec((28, 28, 1), recipe.model["latent_dim"], **options, seed=fit["seed"])
    gan.compile(
        generator_optimizer=keras.optimizers.Adam(fit["learning_rate"], beta_1=0.5),
        discriminator_optimizer=keras.optimizers.Adam(fit["learning_rate"], beta_1=0.5),
    )
    train = datasets.make_pipeline(arrays.x_train, fit["batch_size"], shuffle=True, seed=fit["seed"])
    progress = GenerationProgress(n=10, seed=1)
    started = time.perf_counter()
    gan.fit(train, epochs=fit["epochs"], verbose=2, callbacks=[progress])
    results["gan_train_seconds"] = round(time.perf_counter() - started, 1)

    keras.utils.set_random_seed(fit["seed"])
    vae_options, vae_fit = dict(VAE_RECIPE.model["options"]), VAE_RECIPE.fit
    vae = keras_ae.VAE.from_spec(
        (28, 28, 1), VAE_RECIPE.model["latent_dim"], architecture=VAE_RECIPE.model["architecture"],
        architecture_options={"units": vae_options.pop("units")}, **vae_options, seed=vae_fit["seed"],
    )
    vae.compile(optimizer=keras.optimizers.Adam(vae_fit["learning_rate"]))
    started = time.perf_counter()
    vae.fit(datasets.make_pipeline(arrays.x_train, vae_fit["batch_size"], shuffle=True, seed=vae_fit["seed"]),
            epochs=vae_fit["epochs"], verbose=0)
    results["vae_train_seconds"] = round(time.perf_counter() - started, 1)

    gan_samples = gan.sample(SAMPLES, seed=2)
    vae_samples = vae.sample(SAMPLES, seed=2)
    train_features = evaluation.classifier_features(classifier, x_train)
    results["frechet_distance_to_train"] = {
        "gan_samples": evaluation.frechet_distance(evaluation.classifier_features(classifier, gan_samples), train_features),
        "vae_samples": evaluation.frechet_distance(evaluation.classifier_features(classifier, vae_samples), train_features),
        "test_set (floor)": evaluation.frechet_distance(evaluation.classifier_features(classifier, arrays.x_test), train_features),
        "features": "128-unit penultimate layer of the project's MNIST CNN classifier (not Inception)",
    }
    results["gan_class_histogram"] = evaluation.class_histogram(classifier, gan_samples)
    results["vae_class_histogram"] = evaluation.class_histogram(classifier, vae_samples)

    plotting.image_grid(gan_samples[:100], pictures / "mnist_gan_samples.png", columns=10, title="DCGAN samples")
    plotting.image_grid(vae_samples[:100], pictures / "mnist_vae_samples.png", columns=10, title="VAE samples (Bernoulli means)")
    plotting.image_grid(
        progress.images.reshape(-1, 28, 28, 1), pictures / "mnist_gan_progress.png", columns=10,
        title="DCGAN: the same 10 codes after each epoch (rows)",
    )
    a, b = keras_ae.latent.prior_codes(2, gan.latent_shape, seed=3)
    plotting.image_grid(gan.interpolate(a, b, steps=10, method="slerp"), pictures / "mnist_gan_interpolation.png", columns=10)

    histogram = results["gan_class_histogram"]
    fd = results["frechet_distance_to_train"]
    print(f"Classifier test accuracy {accuracy:.4f}")
    print(f"DCGAN ({results['gan_train_seconds'] / 60:.1f} min): {SAMPLES} samples, classes seen {histogram['classes_seen']}, "
          f"KL to uniform {histogram['kl_to_uniform']:.4f}, shares {histogram['shares']}")
    print(f"Frechet distance to the training set (project classifier features): GAN {fd['gan_samples']:.2f}, "
          f"VAE {fd['vae_samples']:.2f}, test set {fd['test_set (floor)']:.2f} (floor)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
