"""VQ-VAE on full MNIST against the conv AE at the same code size in bits.

Trains the VQ-VAE with the family's defaults (keras.io's example's 64 codes
of 16 dimensions on a 7x7 grid: 7 * 7 * log2(64) = 294 bits per image; 5x5
kernels and a linear output) and the project's conv AE with the most 32-bit
floats that fit in those bits (9 * 32 = 288 bits). Prints each one's test squared error per image (sum
over the 784 pixels in [0, 1]), the codebook perplexity (exp of the entropy
of code usage, over the test set's 490,000 grid cells, and as `fit` showed
it over the last training epoch; also the share of cells that see only
background, which all take one code and so cap the perplexity), then trains
the PixelCNN prior, draws samples and reports the class histogram a small CNN classifier (the
project's `evaluation.train_feature_classifier`) gives them: its KL
divergence to uniform.

    nice -n 19 python benchmarks/mnist_vq_vae.py --data-dir /work/shared/datasets \\
        --json benchmarks/results/mnist_vq_vae.json

Budgeted for 2 CPU cores: 24.8 minutes of wall time measured with the cores
shared with other jobs (5 epochs of each autoencoder, 5 of the prior), so
the figures are those of short runs, not of converged ones.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

from keras_ae.cli import quiet_tensorflow  # noqa: E402

quiet_tensorflow()

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_ae  # noqa: E402
from keras_ae import datasets, evaluation, training  # noqa: E402

# The zoo's vq_vae_mnist (zoo/recipes.py): the family's defaults (EMA
# codebook updates, dead codes restarted after 20 steps), and conv_mnist at
# the code size in bits of the VQ-VAE's.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "zoo"))
from recipes import RECIPES  # noqa: E402

RECIPE = RECIPES["vq_vae_mnist"]
PRIOR = {"epochs": 5, "batch_size": 128, "samples": 2000}
BITS_PER_FLOAT = 32

def perplexity(indices: np.ndarray, num_codes: int) -> tuple[float, int]:
    """(exp of the entropy of the code usage, codes never used) of an index array."""
    counts = np.bincount(indices.ravel(), minlength=num_codes)
    p = counts[counts > 0] / counts.sum()
    return float(np.exp(-np.sum(p * np.log(p)))), int(np.sum(counts == 0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None, help="folder with mnist.npz (default: KERAS_AE_DATA_DIR, Keras cache)")
    parser.add_argument("--epochs", type=int, default=RECIPE.fit["epochs"], help="epochs of each autoencoder")
    parser.add_argument("--num-codes", type=int, default=RECIPE.model["options"]["num_codes"], help="codebook size")
    parser.add_argument("--prior-epochs", type=int, default=PRIOR["epochs"])
    parser.add_argument("--train-examples", type=int, default=None, help="a smaller training set (smoke runs)")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    recipe = RECIPE.replace(fit={"epochs": args.epochs}, model={"options": {"num_codes": args.num_codes}})
    prior = {**PRIOR, "epochs": args.prior_epochs}
    fit, num_codes = recipe.fit, args.num_codes
    # The conv AE's code: the most 32-bit floats that fit in the VQ-VAE's bits.
    bits = 7 * 7 * math.log2(num_codes)
    conv_recipe = RECIPES["conv_mnist"].replace(
        name="mnist_vq_vae_conv", model={"latent_dim": int(bits // BITS_PER_FLOAT)},
        fit={"epochs": args.epochs, "batch_size": fit["batch_size"]},
        summary="Conv AE with the most 32-bit floats that fit in the VQ-VAE's bits.",
    )
    begun = time.perf_counter()

    arrays = datasets.load_arrays("mnist", data_dir=args.data_dir)
    x_train = (arrays.x_train[: args.train_examples].astype("float32") / 255.0).reshape(-1, 28, 28, 1)
    x_test = (arrays.x_test.astype("float32") / 255.0).reshape(-1, 28, 28, 1)
    results = {"recipe": recipe.to_dict(), "prior": prior, "train_examples": args.train_examples,
               "conv_recipe": conv_recipe.to_dict(), "cpu_threads": os.cpu_count()}

    # === VQ-VAE ===
    keras.utils.set_random_seed(fit["seed"])
    vq = keras_ae.VQVAE((28, 28, 1), recipe.model["latent_dim"], **recipe.model["options"], seed=fit["seed"])
    vq.compile(optimizer=keras.optimizers.Adam(fit["learning_rate"]))
    started = time.perf_counter()
    history = vq.fit(x_train, epochs=fit["epochs"], batch_size=fit["batch_size"], verbose=2)
    vq_seconds = time.perf_counter() - started
    codes = vq.encode(x_test)
    test_perplexity, test_dead = perplexity(codes, num_codes)
    # Cells whose receptive field holds only background: their encoder
    # vector is that of a blank image at the same place, so they all take
    # that place's code, and their share caps the perplexity.
    z = vq.encoder.predict(x_test, batch_size=500, verbose=0)
    blank = np.all(np.abs(z - vq.encoder.predict(np.zeros((1, 28, 28, 1), "float32"), verbose=0)) < 1e-5, axis=-1)
    share = float(blank.mean())
    # At most: one code for every blank cell, the rest spread evenly over the others.
    cap = math.exp(-share * math.log(share) + (1 - share) * math.log((num_codes - 1) / (1 - share)))
    content_perplexity, _ = perplexity(codes[~blank], num_codes)
    bits = math.prod(vq.grid) * math.log2(num_codes)
    results["vq_vae"] = {
        **evaluation.evaluate_model(vq, x_test),
        "code_bits": bits,
        "train_seconds": round(vq_seconds, 1),
        "test_perplexity": test_perplexity,
        "test_dead_codes": test_dead,
        "blank_cell_share": share,
        "blank_codes": int(len(np.unique(codes[blank]))),
        "perplexity_cap_one_blank_code": cap,
        "content_cell_perplexity": content_perplexity,
        "last_epoch_perplexity": float(history.history["perplexity"][-1]),
        "last_epoch_dead_codes": float(history.history["dead_codes"][-1]),
    }

    # === Conv AE at the same bits ===
    conv_fit, conv_dim = conv_recipe.fit, conv_recipe.model["latent_dim"]
    keras.utils.set_random_seed(conv_fit["seed"])
    conv = keras_ae.ConvAutoencoder((28, 28, 1), conv_dim, **conv_recipe.model["options"])
    conv.compile(optimizer=keras.optimizers.Adam(conv_fit["learning_rate"]))
    started = time.perf_counter()
    conv.fit(x_train, epochs=conv_fit["epochs"], batch_size=conv_fit["batch_size"], verbose=2)
    results["conv_ae"] = {
        **evaluation.evaluate_model(conv, x_test),
        "code_bits": conv_dim * BITS_PER_FLOAT,
        "train_seconds": round(time.perf_counter() - started, 1),
    }

    # === Prior and samples ===
    started = time.perf_counter()
    prior_history = vq.fit_prior(x_train, epochs=prior["epochs"], batch_size=prior["batch_size"], verbose=2)
    prior_seconds = time.perf_counter() - started
    started = time.perf_counter()
    classifier = evaluation.train_feature_classifier(x_train, arrays.y_train[: len(x_train)], epochs=3, seed=0)
    accuracy = float(np.mean(np.argmax(classifier.predict(x_test, verbose=0), axis=1) == arrays.y_test))
    results["classifier"] = {"test_accuracy": accuracy, "train_seconds": round(time.perf_counter() - started, 1)}
    started = time.perf_counter()
    samples = vq.sample(prior["samples"], seed=1)
    results["prior"] = {
        "train_seconds": round(prior_seconds, 1),
        "last_epoch_loss_nats_per_code": float(prior_history.history["loss"][-1]),
        "sample_seconds": round(time.perf_counter() - started, 1),
        "samples": evaluation.class_histogram(classifier, samples),
    }
    results["wall_seconds"] = round(time.perf_counter() - begun, 1)
    results["versions"] = training.versions()

    vq_r, conv_r, hist = results["vq_vae"], results["conv_ae"], results["prior"]["samples"]
    print("MNIST test, squared error per image (sum over 784 pixels in [0, 1]):")
    print(f"  VQ-VAE, 7x7 codes of {num_codes} ({vq_r['code_bits']:.0f} bits)   {vq_r['sse_per_image']:7.3f}   "
          f"trained in {vq_seconds / 60:.1f} min")
    print(f"  conv AE, {conv_dim} floats ({conv_dim} x 32 = {conv_r['code_bits']} bits)  {conv_r['sse_per_image']:7.3f}   "
          f"trained in {conv_r['train_seconds'] / 60:.1f} min")
    print(f"Codebook perplexity: {test_perplexity:.1f} of {num_codes} on the test set "
          f"({test_dead} codes unused); {vq_r['last_epoch_perplexity']:.1f} over the last training epoch")
    print(f"  {share:.1%} of the test cells see only background (they take {vq_r['blank_codes']} code(s)): "
          f"a perplexity of at most {cap:.1f} with one code for them; {content_perplexity:.1f} over the other cells")
    print(f"Prior samples ({prior['samples']}), classified (classifier test accuracy {accuracy:.3f}): "
          f"KL to uniform {hist['kl_to_uniform']:.4f}, shares {hist['shares']}")
    print(f"Wall time {results['wall_seconds'] / 60:.1f} min")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
