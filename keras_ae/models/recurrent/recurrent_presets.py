"""What keras-ae knows of the recurrent family without loading TensorFlow: its
command-line entry (`keras_ae.catalog`) and the recipes of its presets
(`zoo/recipes.py` trains them)."""

from keras_ae.catalog import Family
from keras_ae.recipes import NAB_ART_DAILY, NAB_DETECTOR, ON_NAB, Recipe

FAMILIES = {
    "recurrent": Family("recurrent", True, False, (
        "units", "cell", "bidirectional", "feature_units", "activation", "output_activation", "decoding",
        "mask_value", "unroll", "reconstruction_loss",
    )),
}

# The keyword arguments of the recurrent architecture's builder, which this folder registers.
ARCHITECTURE_OPTIONS = {
    "recurrent": (
        "units", "cell", "bidirectional", "feature_units", "activation", "latent_activation",
        "output_activation", "mask_value", "unroll",
    ),
}

RECIPES = (
    Recipe(
        name="recurrent_nab_art_daily", **ON_NAB,
        model={"family": "recurrent", **NAB_DETECTOR, "options": {"units": (64,)}},
        data={**NAB_ART_DAILY, "stride": 4},
        summary="LSTM autoencoder anomaly detector of NAB's art_daily series (windows of 288 points every 4), "
                "trained on art_daily_small_noise, threshold the largest training score.",
    ),
)
