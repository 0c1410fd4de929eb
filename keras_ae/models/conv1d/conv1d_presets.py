"""What keras-ae knows of the conv1d family without loading TensorFlow: its
command-line entry (`keras_ae.catalog`) and the recipes of its presets
(`zoo/recipes.py` trains them)."""

from keras_ae.catalog import Family
from keras_ae.recipes import NAB_ART_DAILY, NAB_DETECTOR, ON_NAB, Recipe

FAMILIES = {
    "conv1d": Family("conv", True, False, (
        "filters", "kernel_size", "dense_units", "activation", "latent_activation", "output_activation",
        "reconstruction_loss",
    )),
}

RECIPES = (
    Recipe(
        name="conv1d_nab_art_daily", **ON_NAB,
        model={"family": "conv1d", **NAB_DETECTOR, "options": {"filters": (32, 16), "kernel_size": 7}},
        data={**NAB_ART_DAILY, "stride": 1},
        summary="Conv1D autoencoder anomaly detector of NAB's art_daily series (windows of 288 points, one day at "
                "5-minute steps), trained on art_daily_small_noise, threshold the largest training score.",
    ),
)
