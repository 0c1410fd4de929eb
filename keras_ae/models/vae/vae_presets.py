"""What keras-ae knows of the vae family without loading TensorFlow: its
command-line entry (`keras_ae.catalog`) and the recipes of its presets
(`zoo/recipes.py` trains them)."""

from keras_ae.catalog import Family
from keras_ae.recipes import TRAIN, Recipe

FAMILIES = {
    "vae": Family("conv", False, False, (
        "beta", "kl_warmup_steps", "likelihood", "sigma", "binarize", "seed",
    )),
}

RECIPES = (
    # benchmarks/mnist_vae_nll.py measures this recipe: two hidden layers, a
    # long cosine-decayed run and a slow KL warm-up reach a test NLL below
    # the VAE of Burda et al. (86.76 nats at k=5000).
    Recipe(
        name="vae_mnist", kind="train",
        model={"family": "vae", "architecture": "dense", "latent_dim": 50,
               "options": {"units": (512, 256), "binarize": True, "kl_warmup_steps": 10000}},
        data={"dataset": "mnist"}, fit={"epochs": 320, "batch_size": 128, "lr_schedule": "cosine", **TRAIN},
        headline={"name": "nll", "k": 5000},
        summary="VAE of dynamically binarized MNIST (Bernoulli likelihood, 512-256 hidden units, 50-d code, "
                "320 epochs with a cosine-decayed step); the headline is the test NLL in nats by importance "
                "sampling with 5,000 samples per digit (Burda et al.'s VAE: 86.76).",
    ),
    Recipe(
        name="vae2d_mnist", kind="train",
        model={"family": "vae", "architecture": "dense", "latent_dim": 2,
               "options": {"units": (400,), "binarize": True}},
        data={"dataset": "mnist"}, fit={"epochs": 30, "batch_size": 128, **TRAIN},
        headline={"name": "nll", "k": 100},
        summary="VAE of binarized MNIST with a 2-dimensional code, for the latent manifold and scatter "
                "pictures (`keras-ae plot manifold|scatter`).",
    ),
)
