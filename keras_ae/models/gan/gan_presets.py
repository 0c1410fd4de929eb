"""What keras-ae knows of the gan family without loading TensorFlow: its
command-line entry (`keras_ae.catalog`) and the recipes of its presets
(`zoo/recipes.py` trains them)."""

from keras_ae.catalog import Family
from keras_ae.recipes import Recipe

FAMILIES = {
    "cgan": Family(None, False, True, (
        "filters", "kernel_size",
    )),
    "gan": Family(None, False, False, (
        "filters", "kernel_size",
    )),
}

# Generators: their headline the Frechet distance of their samples to the
# training digits in PCA space (no classifier needed to recompute it).
# benchmarks/mnist_gan.py measures dcgan_mnist with a digit classifier.
_DCGAN_MNIST = Recipe(
    name="dcgan_mnist", kind="gan",
    model={"family": "gan", "latent_dim": 64, "options": {"filters": (32, 64), "kernel_size": 4}},
    data={"dataset": "mnist"}, fit={"epochs": 15, "batch_size": 128, "learning_rate": 2e-4, "seed": 0},
    headline={"name": "frechet_pca", "dataset": "mnist", "samples": 10000, "components": 32, "seed": 2},
    summary="DCGAN of MNIST digits (Radford et al.: strided convolutions, batch-normalized generator, "
            "Adam 2e-4 with beta_1 0.5 for both players), 64-d noise.",
)

RECIPES = (
    _DCGAN_MNIST,
    _DCGAN_MNIST.replace(
        name="cgan_mnist", model={"family": "cgan"}, fit={"epochs": 10},
        summary="Conditional DCGAN of MNIST digits (Mirza and Osindero: generator and discriminator both see the "
                "one-hot label), 64-d noise; the headline's samples take the ten classes in turn.",
    ),
)
