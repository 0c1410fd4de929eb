"""What keras-ae knows of the factor_vae family without loading TensorFlow: its
command-line entry (`keras_ae.catalog`) and the recipes of its presets
(`zoo/recipes.py` trains them)."""

from keras_ae.catalog import Family
from keras_ae.recipes import DSPRITES_FIT, ON_DSPRITES, Recipe

FAMILIES = {
    "factor_vae": Family("conv", False, False, (
        "gamma", "discriminator_units", "beta", "kl_warmup_steps", "likelihood", "sigma", "binarize", "seed",
    )),
}

RECIPES = (
    # A discriminator of 6 x 256 units, not the paper's 6 x 1000 (5 M weights,
    # 20 MB): it is trained with the model and saved with it, and the zoo keeps
    # its presets to a few MB.
    Recipe(
        name="factor_vae_dsprites", **ON_DSPRITES, fit={**DSPRITES_FIT, "batch_size": 128},
        model={"family": "factor_vae", "latent_dim": 10, "options": {"gamma": 35.0, "discriminator_units": (256,) * 6}},
        summary="FactorVAE (gamma 35; its discriminator tells codes from codes with each unit shuffled over the "
                "batch) of dSprites with a 10-d code, on disentanglement_lib's networks.",
    ),
)
