"""What keras-ae knows of the denoising family without loading TensorFlow: its
command-line entry (`keras_ae.catalog`) and the recipes of its presets
(`zoo/recipes.py` trains them)."""

from keras_ae.catalog import Family
from keras_ae.recipes import TRAIN, Recipe

FAMILIES = {
    "denoising": Family("conv", False, False, (
        "noise", "noise_level", "value_range", "seed", "reconstruction_loss",
    )),
}

RECIPES = (
    Recipe(
        name="denoising_mnist", kind="train",
        model={"family": "denoising", "latent_dim": 32,
               "options": {"filters": (32, 64), "noise": "gaussian", "noise_level": 0.3}},
        data={"dataset": "mnist"}, fit={"epochs": 6, "batch_size": 64, **TRAIN},
        summary="Convolutional denoising autoencoder of MNIST digits, trained on Gaussian noise of "
                "standard deviation 0.3 (clipped to [0, 1]); the headline scores clean test digits.",
    ),
)
