"""What keras-ae knows of the beta_tcvae family without loading TensorFlow: its
command-line entry (`keras_ae.catalog`) and the recipes of its presets
(`zoo/recipes.py` trains them)."""

from keras_ae.catalog import Family
from keras_ae.recipes import DSPRITES_FIT, ON_DSPRITES, Recipe

FAMILIES = {
    "beta_tcvae": Family("conv", False, False, (
        "dataset_size", "alpha", "beta", "gamma", "estimator", "kl_warmup_steps", "likelihood", "sigma",
        "binarize", "seed",
    )),
}

RECIPES = (
    Recipe(
        name="beta_tcvae_dsprites", **ON_DSPRITES, fit=DSPRITES_FIT,
        model={"family": "beta_tcvae", "latent_dim": 10, "options": {"beta": 6.0, "dataset_size": 737_280}},
        summary="beta-TCVAE (beta 6 on the total correlation, minibatch-weighted sampling over the 737,280 "
                "sprites; Chen et al.'s dSprites setting) of dSprites with a 10-d code, on disentanglement_lib's "
                "networks.",
    ),
)
