"""Seconds per training step of the dSprites disentanglement models
as benchmarks/dsprites_disentanglement.py builds and trains them (its
RECIPES and batch sizes, op determinism on, no XLA),
on one fixed batch so that only the step is timed.

TensorFlow turns its oneDNN kernels on by default only on some x86 CPUs;
where it leaves them off, the decoder's transposed-convolution gradients
dominate a CPU step. Compare the two settings (the variable must be set
before TensorFlow is imported, so each needs its own process; left unset,
it takes the benchmark's choice, on):

    TF_ENABLE_ONEDNN_OPTS=0 python benchmarks/dsprites_step_time.py
    TF_ENABLE_ONEDNN_OPTS=1 python benchmarks/dsprites_step_time.py
"""

from __future__ import annotations

import argparse
import json
import os
import time

# The benchmark's models, built and compiled by the benchmark's own code
# (its import sets the TensorFlow environment before TensorFlow loads).
from dsprites_disentanglement import RECIPES, build_model

import tensorflow as tf  # noqa: E402

from keras_ae import training  # noqa: E402
from keras_ae.datasets.dsprites import DSprites  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["vae", "beta_tcvae"], choices=list(RECIPES))
    parser.add_argument("--steps", type=int, default=100)
    args = parser.parse_args()
    tf.config.experimental.enable_op_determinism()
    compile_args = argparse.Namespace(learning_rate=RECIPES["vae"].fit["learning_rate"], jit_compile=False, steps_per_execution=1)
    report = {"TF_ENABLE_ONEDNN_OPTS": os.environ.get("TF_ENABLE_ONEDNN_OPTS"), "steps": args.steps,
              "cpu_threads": os.cpu_count(), "versions": training.versions(), "seconds_per_step": {}}
    for key in args.models:
        batch_size = RECIPES[key].fit["batch_size"]
        batch = next(iter(DSprites().pipeline(batch_size=batch_size, shuffle=True, seed=0)))
        data = tf.data.Dataset.from_tensors(batch).repeat()
        model = build_model(key, 0, compile_args)
        model.fit(data, epochs=1, steps_per_epoch=10, verbose=0)  # tracing, first allocations
        started = time.perf_counter()
        model.fit(data, epochs=1, steps_per_epoch=args.steps, verbose=0)
        report["seconds_per_step"][key] = round((time.perf_counter() - started) / args.steps, 3)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
