"""Seconds per training step of the dSprites disentanglement models
(`keras_ae.disentanglement.standard_model`, batch 64 of 64x64 sprites, the
settings of benchmarks/dsprites_disentanglement.py: op determinism on),
on one fixed batch so that only the step is timed.

TensorFlow turns its oneDNN kernels on by default only on some x86 CPUs;
where it leaves them off, the decoder's transposed-convolution gradients
dominate a CPU step. Compare the two settings (the variable must be set
before TensorFlow is imported, so each needs its own process):

    TF_ENABLE_ONEDNN_OPTS=0 python benchmarks/dsprites_step_time.py
    TF_ENABLE_ONEDNN_OPTS=1 python benchmarks/dsprites_step_time.py
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_ae import disentanglement as dis  # noqa: E402
from keras_ae.datasets.dsprites import DSprites  # noqa: E402
from keras_ae.training import versions  # noqa: E402

OPTIONS = {"vae": {}, "beta_tcvae": {"beta": 6.0, "dataset_size": 737_280}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(OPTIONS), choices=list(OPTIONS))
    parser.add_argument("--steps", type=int, default=100)
    args = parser.parse_args()
    tf.config.experimental.enable_op_determinism()
    batch = next(iter(DSprites().pipeline(batch_size=64, shuffle=True, seed=0)))
    data = tf.data.Dataset.from_tensors(batch).repeat()
    report = {"TF_ENABLE_ONEDNN_OPTS": os.environ.get("TF_ENABLE_ONEDNN_OPTS"), "steps": args.steps,
              "cpu_threads": os.cpu_count(), "versions": versions(), "seconds_per_step": {}}
    for key in args.models:
        model = dis.compile_standard(dis.standard_model(key, seed=0, **OPTIONS[key]), 1e-4)
        model.fit(data, epochs=1, steps_per_epoch=10, verbose=0)  # tracing, first allocations
        started = time.perf_counter()
        model.fit(data, epochs=1, steps_per_epoch=args.steps, verbose=0)
        report["seconds_per_step"][key] = round((time.perf_counter() - started) / args.steps, 3)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
