"""What keras-ae knows of the cvae family without loading TensorFlow: its
command-line entry (`keras_ae.catalog`) and the recipes of its presets
(`zoo/recipes.py` trains them)."""

from keras_ae.catalog import Family
from keras_ae.recipes import TRAIN, Recipe

FAMILIES = {
    "cvae": Family("conv", False, True, (
        "beta", "kl_warmup_steps", "likelihood", "sigma", "binarize", "seed",
    )),
}

RECIPES = (
    Recipe(
        name="cvae_mnist", kind="train",
        model={"family": "cvae", "architecture": "conv", "latent_dim": 16, "options": {"filters": (32, 64)}},
        data={"dataset": "mnist"}, fit={"epochs": 10, "batch_size": 64, **TRAIN},
        summary="Conditional VAE of MNIST (Bernoulli likelihood, conv networks, 16-d code; the label is "
                "tiled over the image as 10 extra channels and appended to the code): "
                "`model.generate(labels)` draws digits of the classes asked for; the headline scores "
                "reconstructions of test digits given their labels.",
    ),
)
