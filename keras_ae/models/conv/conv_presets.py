"""What keras-ae knows of the conv family without loading TensorFlow: its
command-line entry (`keras_ae.catalog`) and the recipes of its presets
(`zoo/recipes.py` trains them)."""

from keras_ae.catalog import Family
from keras_ae.recipes import TRAIN, Recipe

FAMILIES = {
    "conv": Family("conv", True, False, (
        "filters", "kernel_size", "dense_units", "activation", "latent_activation", "output_activation",
        "reconstruction_loss",
    )),
}

_CONV_MNIST = Recipe(
    name="conv_mnist", kind="train",
    model={"family": "conv", "latent_dim": 30, "options": {"filters": (32, 64)}},
    data={"dataset": "mnist"}, fit={"epochs": 8, "batch_size": 32, **TRAIN},
    summary="Convolutional autoencoder of MNIST digits with a 30-dimensional code.",
)

RECIPES = (
    _CONV_MNIST,
    _CONV_MNIST.replace(
        name="conv_fashion_mnist", model={"latent_dim": 32}, data={"dataset": "fashion_mnist"},
        fit={"epochs": 10, "batch_size": 64},
        summary="Convolutional autoencoder of Fashion-MNIST clothes with a 32-dimensional code.",
    ),
    Recipe(
        name="conv_cifar10", kind="train",
        model={"family": "conv", "latent_dim": 128, "options": {"filters": (64, 128, 256)}},
        # These stages overfit CIFAR-10's 50,000 images: over 40 epochs the
        # training error fell to 10.5 while the test error stalled at 12.8
        # from epoch 20 on; mirrored images widen the set. mixed_bfloat16
        # is oneDNN's fastest mode on CPU (benchmarks/results/cpu_modes.json).
        data={"dataset": "cifar10"},
        fit={"epochs": 32, "batch_size": 64, **TRAIN, "lr_schedule": "cosine", "precision": "mixed_bfloat16",
             "augment": "flip"},
        summary="Convolutional autoencoder of CIFAR-10 colour images (32x32x3) with a 128-dimensional code.",
    ),
)
