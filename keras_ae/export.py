"""Deployment of a trained model: a SavedModel with named serving signatures,
written in the TF Serving layout `BASE/MODEL_NAME/VERSION/` beside a
`models.config` that lists every model under BASE.

The signatures, each with named inputs and outputs and a dynamic batch:

| signature | inputs | outputs | models |
|---|---|---|---|
| `serving_default` | `x` | `reconstruction` | autoencoders |
| `encode` | `x` | `code`, or `mean` and `log_var` | autoencoders |
| `decode` | `z` | `decoded` | all (a GAN's generator) |
| `sample` | `seed` (int64, one per image) | `sample` | VAEs and GANs |

A conditional model takes `label` (int32 class ids) beside each input. A
GAN's `serving_default` is its `decode`. `sample` draws each code from
N(0, I) with the stateless generator keyed by its seed, so the same seed
gives the same image on every call and every server.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import keras
import tensorflow as tf

from keras_ae.labels import one_hot
from keras_ae.outputs import atomic_file
from keras_ae.validation import check_choice, check_positive_int

PARTS = ("full", "encoder", "decoder")
# What TF Serving accepts as a model name, and what a folder name can carry
# without surprises.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")

Endpoint = tuple[Callable, list[tf.TensorSpec]]


def _decoder_of(model) -> keras.Model:
    return model.decoder if hasattr(model, "decoder") else model.generator


def serving_endpoints(model, part: str = "full") -> dict[str, Endpoint]:
    """The signatures of `model` (see the module's table) as
    `{name: (function, input_signature)}`, first the default one.

    Args:
        model: a keras_ae autoencoder or GAN.
        part: `"full"` (every signature), `"encoder"` (`encode` only) or
            `"decoder"` (`decode`, and `sample` where the model has a prior).
    """
    check_choice(part, PARTS, "part")
    conditional = getattr(model, "network_inputs", 1) > 1
    label = [tf.TensorSpec((None,), tf.int32, name="label")] if conditional else []
    x = tf.TensorSpec((None, *model.data_shape), tf.float32, name="x")
    z = tf.TensorSpec((None, *model.latent_shape), tf.float32, name="z")
    seed = tf.TensorSpec((None,), tf.int64, name="seed")
    decoder = _decoder_of(model)
    encoder = getattr(model, "encoder", None)

    def run(network, first, labels):
        # A bad label stops the call (labels.one_hot) rather than giving a
        # silently label-less all-zero vector.
        return network([first, one_hot(labels[0], model.num_classes)] if labels else first, training=False)

    def encode(x, *labels):
        codes = run(encoder, x, labels)
        codes = codes if isinstance(codes, (list, tuple)) else [codes]
        return dict(zip(model.encoder_outputs, codes))

    def reconstruct(x, *labels):
        first = encode(x, *labels)[model.encoder_outputs[0]]  # a distribution's mean
        return {"reconstruction": run(decoder, first, labels)}

    def decode(z, *labels):
        return {"decoded": run(decoder, z, labels)}

    def sample(seed, *labels):
        codes = tf.map_fn(
            lambda s: tf.random.stateless_normal(model.latent_shape, seed=tf.stack([s, tf.zeros_like(s)])),
            seed, fn_output_signature=tf.float32,
        )
        return {"sample": run(decoder, codes, labels)}

    def checked(function, signature):
        # A signature called with a wrong shape can run on (a convolution
        # takes any size) and answer nonsense; EnsureShape stops it with
        # the expected shape in the message, in TF Serving too.
        def call(*args):
            return function(*(tf.ensure_shape(a, spec.shape) for a, spec in zip(args, signature)))

        return call, signature

    endpoints: dict[str, Endpoint] = {}
    if encoder is not None and part == "full":
        endpoints["serving_default"] = (reconstruct, [x, *label])
    if encoder is not None and part in ("full", "encoder"):
        endpoints["encode"] = (encode, [x, *label])
    if part in ("full", "decoder"):
        endpoints["decode"] = (decode, [z, *label])
        if hasattr(model, "sample"):
            endpoints["sample"] = (sample, [seed, *label])
    if not endpoints:
        raise ValueError(f"The {model.family!r} model has no encoder to export. Received: part={part!r}")
    return {name: checked(*endpoint) for name, endpoint in endpoints.items()}


def next_version(model_dir: str | os.PathLike) -> int:
    """One more than the highest integer version folder in `model_dir` (1 if none)."""
    model_dir = Path(model_dir)
    versions = [int(p.name) for p in model_dir.iterdir() if p.is_dir() and p.name.isdigit()] if model_dir.is_dir() else []
    return max(versions, default=0) + 1


def export_saved_model(
    model,
    base_dir: str | os.PathLike,
    name: str | None = None,
    version: int | None = None,
    part: str = "full",
) -> Path:
    """Writes `model` as `base_dir/name/version/`, a SavedModel TF Serving
    loads as it is, and lists `name` in `base_dir/models.config`.

    The version folder appears whole or not at all (it is written beside
    and renamed into place), and an existing version is never replaced.

    Args:
        model: a keras_ae model (built: every keras_ae model is built when
            constructed or loaded).
        base_dir: the folder TF Serving's `--model_config_file` points into.
        name: the model's name in TF Serving (default: the family's name).
        version: the version number (default: one more than the highest).
        part: `"full"`, `"encoder"` or `"decoder"` (see `serving_endpoints`).

    Returns:
        The version folder.
    """
    name = model.family if name is None else name
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(
            "`name` must be letters, digits, '_', '-' or '.', starting with a letter or digit "
            f"(no path separators). Received: name={name!r}"
        )
    endpoints = serving_endpoints(model, part)
    model_dir = Path(base_dir) / name
    version = next_version(model_dir) if version is None else check_positive_int(version, "version")
    target = model_dir / str(version)
    if target.exists():
        raise ValueError(
            f"Version {version} of {name!r} exists already and is never overwritten; omit `version` "
            f"to write version {next_version(model_dir)}. Received: version={version}"
        )
    model_dir.mkdir(parents=True, exist_ok=True)

    archive = keras.export.ExportArchive()
    archive.track(model)
    for endpoint, (function, signature) in endpoints.items():
        archive.add_endpoint(endpoint, function, input_signature=signature)
    # TF Serving only loads folders named by an integer, so the staging
    # folder is invisible to a server watching `model_dir`.
    staging = Path(tempfile.mkdtemp(prefix=f".{version}.partial-", dir=model_dir))
    try:
        archive.write_out(str(staging), verbose=False)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    write_models_config(base_dir)
    return target


def write_models_config(base_dir: str | os.PathLike, serving_root: str = "/models") -> Path:
    """Writes `base_dir/models.config` listing every model folder under
    `base_dir`, with its base path as the server sees it when `base_dir`
    is mounted at `serving_root` (the official image's `/models`)."""
    base_dir = Path(base_dir)
    names = sorted(p.name for p in base_dir.iterdir() if p.is_dir() and _NAME.match(p.name))
    entries = "".join(
        f'  config {{\n    name: "{n}"\n    base_path: "{serving_root}/{n}"\n    model_platform: "tensorflow"\n  }}\n'
        for n in names
    )
    path = base_dir / "models.config"
    with atomic_file(path) as staging:
        staging.write_text(f"model_config_list {{\n{entries}}}\n")
    return path
