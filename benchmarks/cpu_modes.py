"""CPU training modes for the zoo's long recipes: oneDNN on or off, float32 or
`mixed_bfloat16`, measured on the models and batch sizes of the recipes that
run for hours (vae_mnist, conv_cifar10, unet_denoise_grey,
unet_upscale_grey), so that each recipe trains in the fastest mode.

oneDNN is chosen when TensorFlow loads, so each oneDNN setting runs in its
own process; inside it, the two precisions alternate round after round (and
which goes first), and the median step time over all rounds is reported, in
training examples per second, with op determinism on as the recipes
train. The inputs are uniform noise of the recipes'
shapes: a step's time does not depend on the pixel values. Beside the speed,
the loss after the same steps on the same batches in each mode, so a mode
whose numerics go wrong shows.

    python benchmarks/cpu_modes.py --json benchmarks/results/cpu_modes.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

MODES = ("float32", "mixed_bfloat16")


def _models():
    """name -> (builder, batch shape, targets?) of the recipes' models."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "zoo"))
    import recipes

    import keras_ae

    vae, conv = recipes.RECIPES["vae_mnist"], recipes.RECIPES["conv_cifar10"]
    denoise, upscale = recipes.RECIPES["unet_denoise_grey"], recipes.RECIPES["unet_upscale_grey"]

    def unet(recipe, patch):
        def build():
            return keras_ae.ImageToImage(**recipes.training_arguments(recipe)["ImageToImage"])
        return build, (recipe.fit["batch_size"], patch, patch, 1), "scales" in recipe.data

    options = vae.model["options"]
    return {
        "vae_mnist": (lambda: keras_ae.VAE.from_spec(
            (28, 28, 1), vae.model["latent_dim"], architecture="dense",
            architecture_options={"units": options["units"]},
            **{k: v for k, v in options.items() if k != "units"}, seed=0,
        ), (vae.fit["batch_size"], 28, 28, 1), False),
        "conv_cifar10": (lambda: keras_ae.ConvAutoencoder.from_spec(
            (32, 32, 3), conv.model["latent_dim"], architecture_options=conv.model["options"],
        ), (conv.fit["batch_size"], 32, 32, 3), False),
        "unet_denoise_grey": unet(denoise, denoise.data["patch"]),
        "unet_upscale_grey": unet(upscale, upscale.data["patch"]),
    }


def measure(rounds: int, steps: int) -> dict:
    """Run inside one process (one oneDNN setting)."""
    import keras
    import numpy as np
    import tensorflow as tf

    # As the recipes train: same seed, same weights, run after run.
    tf.config.experimental.enable_op_determinism()
    results = {}
    for name, (build, shape, paired) in _models().items():
        rng = np.random.default_rng(0)
        x = rng.uniform(size=(steps * shape[0], *shape[1:])).astype("float32")
        if name == "vae_mnist":
            x = (x > 0.5).astype("float32")
        y = rng.uniform(size=x.shape).astype("float32") if paired else None
        times = {mode: [] for mode in MODES}
        losses = {}
        for r in range(rounds):
            for mode in MODES if r % 2 == 0 else MODES[::-1]:
                keras.mixed_precision.set_global_policy(mode)
                keras.utils.set_random_seed(0)
                model = build()
                model.compile(optimizer=keras.optimizers.Adam(1e-3))
                model.fit(x[: shape[0]], y if y is None else y[: shape[0]], batch_size=shape[0], epochs=1, verbose=0)

                class Timer(keras.callbacks.Callback):
                    def on_train_batch_begin(self, batch, logs=None):
                        self.t = time.perf_counter()

                    def on_train_batch_end(self, batch, logs=None):
                        times[mode].append(time.perf_counter() - self.t)

                history = model.fit(x, y, batch_size=shape[0], epochs=1, shuffle=False, verbose=0, callbacks=[Timer()])
                losses[mode] = float(history.history["loss"][-1])
                keras.mixed_precision.set_global_policy("float32")
        results[name] = {
            mode: {"examples_per_second": round(shape[0] / statistics.median(times[mode]), 1),
                   "loss_after_steps": round(losses[mode], 5)}
            for mode in MODES
        }
        print(name, json.dumps(results[name]), flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--steps", type=int, default=20, help="timed steps per round")
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print("RESULT " + json.dumps(measure(args.rounds, args.steps)))
        return
    results = {}
    for onednn in ("1", "0"):
        env = {**os.environ, "TF_ENABLE_ONEDNN_OPTS": onednn, "TF_CPP_MIN_LOG_LEVEL": "3"}
        command = [sys.executable, __file__, "--child", "--rounds", str(args.rounds), "--steps", str(args.steps)]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))
        results["onednn_on" if onednn == "1" else "onednn_off"] = json.loads(line[len("RESULT "):])
    table = {"cpu_threads": os.cpu_count(), "rounds": args.rounds, "steps": args.steps, "modes": results}
    print(f"{'recipe':<20} {'oneDNN':<6} " + " ".join(f"{m:>22}" for m in MODES) + "   (examples/s; loss)")
    for name in results["onednn_on"]:
        for setting, runs in results.items():
            row = runs[name]
            cells = " ".join(f"{row[m]['examples_per_second']:>12.1f}; {row[m]['loss_after_steps']:>8.4f}" for m in MODES)
            print(f"{name:<20} {setting[7:]:<6} {cells}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(table, f, indent=1)


if __name__ == "__main__":
    main()
