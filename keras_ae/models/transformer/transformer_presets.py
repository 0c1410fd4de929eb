"""What keras-ae knows of the transformer family without loading TensorFlow: its
command-line entry (`keras_ae.catalog`) and the recipes of its presets
(`zoo/recipes.py` trains them)."""

from keras_ae.catalog import Family
from keras_ae.recipes import NAB_ART_DAILY, NAB_DETECTOR, ON_NAB, Recipe

FAMILIES = {
    "transformer": Family("transformer", True, False, (
        "dim", "num_heads", "num_layers", "mlp_units", "memory_tokens", "patch_size", "position",
        "activation", "latent_activation", "output_activation", "mask_value", "reconstruction_loss",
    )),
}

RECIPES = (
    Recipe(
        name="transformer_nab_art_daily", **ON_NAB,
        model={"family": "transformer", **NAB_DETECTOR, "scoring": "window",
               "options": {"dim": 32, "num_heads": 2, "num_layers": 2, "mlp_units": 64, "memory_tokens": 4,
                           "patch_size": 4}},
        data={**NAB_ART_DAILY, "stride": 4},
        summary="Transformer autoencoder anomaly detector of NAB's art_daily series (windows of 288 points every 4, "
                "read as 72 tokens of 4 steps; 2 pre-LN blocks of 2-head self-attention each way), trained on "
                "art_daily_small_noise; a window scores its mean error, threshold the worst training window.",
    ),
)
