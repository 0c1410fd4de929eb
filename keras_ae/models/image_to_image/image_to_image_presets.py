"""What keras-ae knows of the image_to_image family without loading TensorFlow: its
command-line entry (`keras_ae.catalog`) and the recipes of its presets
(`zoo/recipes.py` trains them)."""

from keras_ae.catalog import Family
from keras_ae.recipes import Recipe

FAMILIES = {
    "image_to_image": Family("image_to_image", True, False, (
        "filters", "blocks", "kernel_size", "style", "residual", "activation", "noise_level", "seed",
        "reconstruction_loss",
    )),
}

# The keyword arguments of the image_to_image architecture's builder, which this folder registers.
ARCHITECTURE_OPTIONS = {
    "image_to_image": (
        "filters", "blocks", "kernel_size", "style", "residual", "activation",
    ),
}

# Image restoration: the image-to-image family trained on patches of real
# photographs (CIFAR-10's training images and the photographs bundled with
# scikit-image), measured on the standard test sets (BSD68, CBSD68, Set5, Set14).
_UNET = {"filters": (32, 64), "blocks": 2, "style": "unet", "residual": True}
_RESTORE = {"batch_size": 32, "learning_rate": 1e-3, "lr_schedule": "cosine", "seed": 0}
_DENOISE_GREY = Recipe(
    name="unet_denoise_grey", kind="restoration",
    model={"family": "image_to_image", "input_shape": (None, None, 1), "latent_dim": 128,
           "options": {**_UNET, "noise_level": (5 / 255, 55 / 255)}},
    data={"dataset": "photographs", "channels": 1, "patch": 32, "cifar10": True, "photo_patches": 20000},
    fit={"epochs": 16, **_RESTORE, "precision": "mixed_bfloat16"},
    headline={"name": "psnr_denoise", "dataset": "BSD68", "sigma": 25},
    summary="Blind Gaussian denoiser of grey images (noise sigma 5 to 55 on the 0-255 scale): a residual "
            "U-Net, fully convolutional, any image size.",
)

RECIPES = (
    _DENOISE_GREY,
    _DENOISE_GREY.replace(
        name="unet_denoise_colour", model={"input_shape": (None, None, 3)}, data={"channels": 3},
        fit={"epochs": 1, "precision": "float32"}, headline={"dataset": "CBSD68"},
        summary="Blind Gaussian denoiser of colour images (noise sigma 5 to 55 on the 0-255 scale): a residual "
                "U-Net, fully convolutional, any image size.",
    ),
    Recipe(
        name="unet_upscale_grey", kind="restoration",
        model={"family": "image_to_image", "input_shape": (None, None, 1), "latent_dim": 128,
               "options": {**_UNET, "noise_level": 0.0}},
        data={"dataset": "photographs", "channels": 1, "patch": 48, "cifar10": False, "photo_patches": 32000,
              "scales": (2, 3, 4)},
        fit={"epochs": 16, **_RESTORE, "precision": "mixed_bfloat16"},
        headline={"name": "psnr_upscale", "dataset": "Set5", "scale": 3},
        summary="Super-resolution x2, x3 and x4 of the luminance (one model for the three): a residual U-Net "
                "that corrects the bicubic enlargement, as VDSR does.",
    ),
)
