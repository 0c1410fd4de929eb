"""What keras-ae knows of the vq_vae family without loading TensorFlow: its
command-line entry (`keras_ae.catalog`) and the recipes of its presets
(`zoo/recipes.py` trains them)."""

from keras_ae.catalog import Family
from keras_ae.recipes import TRAIN, Recipe

FAMILIES = {
    "vq_vae": Family("conv", True, False, (
        "num_codes", "beta", "codebook_update", "ema_decay", "restart_after", "filters", "kernel_size",
        "activation", "output_activation", "prior_filters", "prior_blocks", "reconstruction_loss", "seed",
    )),
}

RECIPES = (
    Recipe(
        name="vq_vae_mnist", kind="train",
        model={"family": "vq_vae", "latent_dim": 16, "options": {"num_codes": 64, "filters": (32, 64)}},
        data={"dataset": "mnist"}, fit={"epochs": 5, "batch_size": 64, **TRAIN},
        summary="VQ-VAE of MNIST digits after keras.io's example: a 7x7 grid of codes from a codebook of 64 "
                "vectors of 16 dimensions (294 bits per digit), EMA codebook updates, and a PixelCNN prior "
                "trained on the codes for `sample`; 5x5 kernels (a 13-pixel view per code) and a linear output, "
                "the family's defaults. (PCA below keeps 16 components: the code vectors' size, "
                "not the code's 294 bits.)",
    ),
)
