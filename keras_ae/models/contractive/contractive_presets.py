"""What keras-ae knows of the contractive family without loading TensorFlow: its
command-line entry (`keras_ae.catalog`) and the recipes of its presets
(`zoo/recipes.py` trains them)."""

from keras_ae.catalog import Family
from keras_ae.recipes import TRAIN, Recipe

FAMILIES = {
    "contractive": Family("dense", False, False, (
        "contractive_weight", "reconstruction_loss",
    )),
}

RECIPES = (
    Recipe(
        name="contractive_mnist", kind="train",
        model={"family": "contractive", "latent_dim": 64, "options": {"contractive_weight": 0.1}},
        data={"dataset": "mnist"}, fit={"epochs": 15, "batch_size": 128, **TRAIN},
        summary="Contractive autoencoder of MNIST digits: one ReLU layer of 64 units, the exact Jacobian penalty.",
    ),
)
