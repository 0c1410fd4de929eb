"""What keras-ae knows of the beta_vae family without loading TensorFlow: its
command-line entry (`keras_ae.catalog`) and the recipes of its presets
(`zoo/recipes.py` trains them)."""

from keras_ae.catalog import Family
from keras_ae.recipes import DSPRITES_FIT, ON_DSPRITES, Recipe

FAMILIES = {
    "beta_vae": Family("conv", False, False, (
        "beta", "kl_warmup_steps", "capacity_max", "capacity_steps", "gamma", "likelihood", "sigma",
        "binarize", "seed",
    )),
}

RECIPES = (
    Recipe(
        name="beta_vae_dsprites", **ON_DSPRITES, fit=DSPRITES_FIT,
        model={"family": "beta_vae", "latent_dim": 10, "options": {"beta": 4.0}},
        summary="beta-VAE (beta 4, Higgins et al.'s dSprites setting) of the 737,280 dSprites images with a 10-d "
                "code, on disentanglement_lib's networks: each code unit is meant to carry one factor of the "
                "sprites (shape, scale, orientation, position x and y).",
    ),
)
