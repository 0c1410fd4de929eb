"""What keras-ae knows of the sparse family without loading TensorFlow: its
command-line entry (`keras_ae.catalog`) and the recipes of its presets
(`zoo/recipes.py` trains them)."""

from keras_ae.catalog import Family
from keras_ae.recipes import TRAIN, Recipe

FAMILIES = {
    "sparse": Family("conv", False, False, (
        "sparsity", "sparsity_weight", "target_activation", "reconstruction_loss",
    )),
}

RECIPES = (
    Recipe(
        name="sparse_mnist", kind="train",
        model={"family": "sparse", "architecture": "dense", "latent_dim": 64,
               "options": {"units": (256,), "sparsity": "l1"}},
        data={"dataset": "mnist"}, fit={"epochs": 15, "batch_size": 128, **TRAIN},
        summary="Sparse MLP autoencoder of MNIST digits (784-256-64-256-784) with an L1 penalty on the code.",
    ),
)
