"""What keras-ae knows of the mae family without loading TensorFlow: its
command-line entry (`keras_ae.catalog`) and the recipes of its presets
(`zoo/recipes.py` trains them)."""

from keras_ae.catalog import Family
from keras_ae.recipes import Recipe

FAMILIES = {
    "mae": Family("transformer", True, False, (
        "patch_size", "mask_ratio", "num_heads", "num_layers", "mlp_units", "decoder_dim", "decoder_layers",
        "decoder_mlp_units", "norm_pix_loss", "activation", "seed",
    )),
}

RECIPES = (
    # Masked autoencoders ("pretrain"): benchmarks/cifar10_mae.py runs this
    # recipe's pretraining with its own functions and reads its settings here;
    # the headline is the squared error of `reconstruct` on the test images (75%
    # of each image's patches hidden, with the fixed masks), and the card adds
    # the benchmark's linear probe recomputed on the model. `--from-benchmark
    # FILE` publishes the model that benchmark saved (`--save`) instead of
    # pretraining again: the same settings, so the same run; refused unless its
    # config and step count are the recipe's.
    Recipe(
        name="mae_cifar10", kind="pretrain",
        model={"family": "mae", "latent_dim": 128, "input_shape": (32, 32, 3),
               "options": {"patch_size": 4, "mask_ratio": 0.75, "num_heads": 4, "num_layers": 4, "mlp_units": 256,
                           "decoder_dim": 64, "decoder_layers": 2, "decoder_mlp_units": 128}},
        data={"dataset": "cifar10", "split": "keras.io: 40,000 training and 10,000 validation images, shuffled with seed 0"},
        fit={"steps": 2400, "warmup_steps": 240, "batch_size": 256, "learning_rate": 2e-3, "lr_schedule": "cosine",
             "weight_decay": 0.05, "beta_2": 0.95, "jit_compile": True, "seed": 0},
        summary="Masked autoencoder (He et al. 2021) of CIFAR-10 (32x32x3): patches of 4, 75% hidden in training, "
                "a 4-block encoder of width 128 and a 2-block decoder of width 64, pretrained on keras.io's "
                "40,000-image training split; `encode` gives 128-d features for linear probes.",
    ),
)
