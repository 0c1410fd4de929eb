"""What keras-ae knows of the dense family without loading TensorFlow: its
command-line entry (`keras_ae.catalog`) and the recipes of its presets
(`zoo/recipes.py` trains them)."""

from keras_ae.catalog import Family
from keras_ae.recipes import TRAIN, Recipe

FAMILIES = {
    "dense": Family("dense", True, False, (
        "units", "activation", "latent_activation", "output_activation", "reconstruction_loss",
    )),
}

RECIPES = (
    Recipe(
        name="dense_mnist", kind="train",
        model={"family": "dense", "latent_dim": 32, "options": {"units": (256,)}},
        data={"dataset": "mnist"}, fit={"epochs": 20, "batch_size": 128, **TRAIN},
        summary="Undercomplete MLP autoencoder (784-256-32-256-784) of MNIST digits.",
    ),
)
