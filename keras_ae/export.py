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

import contextlib
import io
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from keras_ae.labels import check_class_ids, check_labels
from keras_ae.outputs import atomic_file
from keras_ae.validation import check_choice, check_positive_int

PARTS = ("full", "encoder", "decoder")
# What TF Serving accepts as a model name, and what a folder name can carry
# without surprises.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")

Endpoint = tuple[Callable, list[tf.TensorSpec]]


def part_network(model, part: str = "full") -> keras.Model:
    """One part of `model` as a functional `keras.Model` with named inputs
    (`x` or `z`, and `label` as int32 class ids for a conditional model,
    made one-hot inside) and a dict of named outputs:

    - `"encoder"`: `x` -> the encoder's outputs (`code`, or `mean` and `log_var`);
    - `"decoder"`: `z` -> `decoded`;
    - `"full"`: `x` -> `reconstruction`, decoded from the code (a
      distribution's mean: no sampling inside); a GAN's is its decoder.

    The SavedModel signatures call these, and the LiteRT and ONNX files
    are these, so every format computes the same graph.
    """
    check_part(model, part)
    # A recurrent model is traced unrolled: LiteRT then runs it on builtins.
    model = model.for_export()
    encoder = model.encoder if model.has_encoder else None
    if encoder is None and part == "encoder":
        raise ValueError(f"The {model.family!r} model has no encoder to export. Received: part={part!r}")
    conditional = model.conditional
    if part == "full" and model.full_network is not None:
        # A family whose decoder reads more than the code (the masked
        # autoencoder's patch tokens) gives its whole network itself.
        x = keras.Input(model.data_shape, name="x")
        return keras.Model(x, {"reconstruction": model.full_network(x)}, name=f"{model.family}_full")

    def inputs(shape, name):
        first = keras.Input(tuple(shape), name=name)
        if not conditional:
            return [first], first, ()
        label = keras.Input((), dtype="int32", name="label")
        # One-hot as a lookup in the identity matrix: a GATHER that int8
        # quantizes exactly. CategoryEncoding's one-hot op came out of the
        # int8 converter with the CVAE's codes off by half their range.
        one_hot = layers.Embedding(
            model.num_classes, model.num_classes, embeddings_initializer="identity", trainable=False,
            name="label_one_hot",
        )(label)
        return [first, label], first, (one_hot,)

    def run(network, first, conditions):
        return network([first, *conditions] if conditions else first)

    if part == "decoder" or encoder is None:
        feeds, z, conditions = inputs(model.latent_shape, "z")
        outputs = {"decoded": run(model.decoder_network(), z, conditions)}
    else:
        feeds, x, conditions = inputs(model.data_shape, "x")
        codes = run(encoder, x, conditions)
        codes = list(codes) if isinstance(codes, (list, tuple)) else [codes]
        if part == "encoder":
            outputs = dict(zip(model.encoder_outputs, codes))
        else:
            decoder = model.decoder_network()
            # A decoder reads the code (a distribution's mean), or everything
            # the encoder gives (the image-to-image family's skips).
            decoded = codes if len(decoder.inputs) == len(codes) + len(conditions) else codes[0]
            outputs = {"reconstruction": run(decoder, decoded, conditions)}
    return keras.Model(feeds, outputs, name=f"{model.family}_{part}")


def check_part(model, part: str) -> str:
    """`part`, if `model` can be exported in that part: a family whose
    decoder needs more than a code (`export_parts`) exports whole only."""
    check_choice(part, model.export_parts, "part")
    return part


def serving_endpoints(model, part: str = "full") -> dict[str, Endpoint]:
    """The signatures of `model` (see the module's table) as
    `{name: (function, input_signature)}`, first the default one.

    Args:
        model: a keras_ae autoencoder or GAN.
        part: `"full"` (every signature), `"encoder"` (`encode` only) or
            `"decoder"` (`decode`, and `sample` where the model has a prior).
    """
    check_part(model, part)
    # One export copy for every signature (part_network would otherwise
    # build an unrolled recurrent model per part).
    model = model.for_export()
    has_encoder = model.has_encoder
    if part == "encoder" and not has_encoder:
        part_network(model, part)  # raises, naming the part
    conditional = model.conditional
    label = [tf.TensorSpec((None,), tf.int32, name="label")] if conditional else []
    x = tf.TensorSpec((None, *model.data_shape), tf.float32, name="x")
    z = tf.TensorSpec((None, *model.latent_shape), tf.float32, name="z")
    seed = tf.TensorSpec((None,), tf.int64, name="seed")

    def call(network):
        return lambda first, *labels: network([first, *labels] if labels else first, training=False)

    parts = model.export_parts
    whole_only = parts == ("full",)
    decode = call(part_network(model, "decoder")) if "decoder" in parts else None

    def sample(seed, *labels):
        codes = tf.map_fn(
            lambda s: tf.random.stateless_normal(model.latent_shape, seed=tf.stack([s, tf.zeros_like(s)])),
            seed, fn_output_signature=tf.float32,
        )
        return {"sample": decode(codes, *labels)["decoded"]}

    def checked(function, signature):
        # A signature called with a wrong shape can run on (a convolution
        # takes any size) and answer nonsense; EnsureShape stops it with
        # the expected shape in the message, in TF Serving too. A bad label
        # stops the call rather than becoming an all-zero one-hot vector.
        def run(*args):
            args = [tf.ensure_shape(a, spec.shape) for a, spec in zip(args, signature)]
            if conditional:
                args[-1] = check_class_ids(args[-1], model.num_classes)
            return function(*args)

        return run, signature

    endpoints: dict[str, Endpoint] = {}
    if has_encoder and part == "full":
        endpoints["serving_default"] = (call(part_network(model, "full")), [x, *label])
    if whole_only:
        return {name: checked(*endpoint) for name, endpoint in endpoints.items()}
    if has_encoder and part in ("full", "encoder"):
        endpoints["encode"] = (call(part_network(model, "encoder")), [x, *label])
    if decode is not None and part in ("full", "decoder"):
        endpoints["decode"] = (decode, [z, *label])
        if model.has_prior:
            endpoints["sample"] = (sample, [seed, *label])
    return {name: checked(*endpoint) for name, endpoint in endpoints.items()}


def _model_name(model, name: str | None) -> str:
    """The exported model's name (default: the family's), safe as a folder
    or file name and as a TF Serving model name."""
    name = model.family if name is None else name
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(
            "`name` must be letters, digits, '_', '-' or '.', starting with a letter or digit "
            f"(no path separators). Received: name={name!r}"
        )
    return name


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
    name = _model_name(model, name)
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
    # Not `archive.track(model)`: `add_endpoint` tracks the variables the
    # signatures use, and no more (a FactorVAE's discriminator, a GAN's
    # critic and optimizer state would otherwise ship to the server).
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


# === LiteRT (TFLite) ===

QUANTIZATIONS = ("float32", "float16", "dynamic", "int8")
# Examples of the training data the int8 converter calibrates its ranges on.
CALIBRATION_EXAMPLES = 200


def export_tflite(
    model,
    path: str | os.PathLike,
    part: str = "full",
    quantize: str = "float32",
    representative=None,
    labels=None,
) -> Path:
    """Writes `part_network(model, part)` as a LiteRT (`.tflite`) file of
    builtin ops only, so that the stock `ai_edge_litert` interpreter runs
    it with no Flex delegate. Its signature `serving_default` keeps the
    named inputs and outputs, with a dynamic batch.

    Args:
        model: a keras_ae model.
        path: the `.tflite` file (written whole or not at all).
        part: `"full"`, `"encoder"` or `"decoder"`.
        quantize: `"float32"`; `"float16"` (weights in half precision);
            `"dynamic"` (int8 weights, float activations); `"int8"` (full
            integer: weights, activations, inputs and outputs in int8,
            ranges calibrated on `representative`; int32 labels stay int32).
        representative: training examples in [0, 1], needed for `"int8"`;
            the decoder part calibrates on their codes (a GAN's on prior
            draws).
        labels: their class ids, for a conditional model.
    """
    check_choice(quantize, QUANTIZATIONS, "quantize")
    network = part_network(model, part)
    # Keras writes a temporary SavedModel and prints its endpoints; the
    # listing says nothing about the file we write.
    with contextlib.redirect_stdout(io.StringIO()):
        converter = tf.lite.TFLiteConverter.from_keras_model(network)
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
        if quantize != "float32":
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
        if quantize == "float16":
            converter.target_spec.supported_types = [tf.float16]
        elif quantize == "int8":
            feeds = _calibration_feeds(model, part, representative, labels)
            # Samples keyed by input name, so that each reaches its input
            # whatever order the converter lists the inputs in.
            names = [i.name for i in network.inputs]
            converter.representative_dataset = lambda: (
                {n: f[i : i + 1] for n, f in zip(names, feeds)} for i in range(len(feeds[0]))
            )
            converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
            converter.inference_input_type = tf.int8
            converter.inference_output_type = tf.int8
            # Per-channel parameters cost about 20 bytes per output unit (scale,
            # zero point, min, max): for the 3136-unit projection of a conv
            # decoder that is a quarter of the int8 file. One scale per dense
            # layer keeps the file at ~30% of float32; the convolutions stay
            # per channel, where it matters for accuracy.
            converter._experimental_disable_per_channel_quantization_for_dense_layers = True
        flatbuffer = converter.convert()
    path = Path(path)
    with atomic_file(path) as staging:
        staging.write_bytes(flatbuffer)
    return path


def _calibration_feeds(model, part, representative, labels) -> list[np.ndarray]:
    """The int8 converter's sample inputs for `part`, in the network's input order."""
    if representative is None:
        raise ValueError(
            "Full-integer quantization calibrates on real inputs: pass `representative` (training "
            "examples in [0, 1]; `--dataset` on the command line). Received: representative=None"
        )
    conditional = model.conditional
    # The model's own check: calibrating a [0, 1] model on 0-255 pixels
    # would fix the int8 ranges two orders of magnitude off.
    x = model.check_data(np.asarray(representative, "float32")[:CALIBRATION_EXAMPLES], "representative")
    extra = []
    if conditional:
        if labels is None:
            raise ValueError("A conditional model calibrates on labelled examples. Received: labels=None")
        extra = [check_labels(np.asarray(labels)[: len(x)], model.num_classes, len(x))]
    if part != "decoder" and model.has_encoder:
        return [x, *extra]
    # The codes, a VQ-VAE's indices, or a generator's prior draws.
    return [model.export_codes(x, *extra), *extra]


def run_tflite(model_file: str | os.PathLike | bytes, **inputs) -> dict[str, np.ndarray]:
    """Runs a `.tflite` file written by `export_tflite` on named inputs (`x`
    or `z`, and `label`) and returns its named outputs as float arrays:
    an int8 file's float inputs are quantized and its outputs dequantized
    with the file's own scales, as an app on a phone would do."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:  # the same interpreter, as shipped inside TensorFlow
        Interpreter = tf.lite.Interpreter
    if isinstance(model_file, bytes):
        interpreter = Interpreter(model_content=model_file)
    else:
        interpreter = Interpreter(model_path=str(model_file))
    runner = interpreter.get_signature_runner("serving_default")
    details = runner.get_input_details()
    unknown = sorted(set(inputs) - set(details))
    if unknown:
        raise ValueError(f"The file's inputs are {sorted(details)}. Received: {unknown[0]}")
    feeds = {}
    for name, value in inputs.items():
        value, detail = np.asarray(value), details[name]
        # The runner would resize the graph to any shape and fail deep in a
        # kernel; say what the file expects instead.
        expected = tuple(None if d == -1 else int(d) for d in detail["shape_signature"])
        if value.ndim != len(expected) or any(e not in (None, s) for e, s in zip(expected, value.shape)):
            raise ValueError(f"`{name}` must have shape {expected}. Received: {name} with shape {value.shape}")
        if detail["dtype"] == np.int8 and value.dtype != np.int8:
            scale, zero = detail["quantization"]
            value = np.clip(np.round(value / scale + zero), -128, 127)
        feeds[name] = value.astype(detail["dtype"])
    outputs = runner(**feeds)
    result = {}
    for name, detail in runner.get_output_details().items():
        value = outputs[name]
        if detail["dtype"] == np.int8:
            scale, zero = detail["quantization"]
            value = (value.astype("float32") - zero) * scale
        result[name] = value.astype("float32")
    return result


# === ONNX ===


def export_onnx(model, path: str | os.PathLike, part: str = "full") -> Path:
    """Writes `part_network(model, part)` as an ONNX file through Keras's
    ONNX export (tf2onnx), with named inputs and a dynamic batch. Only the
    deterministic parts exist as networks, so no random op reaches the
    file (onnxruntime rejects the one tf2onnx writes for it)."""
    network = part_network(model, part)
    # Keras exports only a model it has seen called; the call also fixes
    # the input signature (dynamic batch) from the network's inputs.
    # (A fully convolutional network's free height and width get 64.)
    network([np.zeros((1, *(64 if d is None else d for d in i.shape[1:])), i.dtype) for i in network.inputs])
    path = Path(path)
    with atomic_file(path) as staging:
        onnx_file = staging.with_suffix(".onnx")
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                network.export(str(onnx_file), format="onnx", verbose=False)
            os.replace(onnx_file, staging)
        finally:
            onnx_file.unlink(missing_ok=True)
    return path


# === One entry point for the command line ===

FORMATS = ("saved_model", "tflite", "onnx")


def export_model(
    model,
    out: str | os.PathLike,
    format: str = "saved_model",
    part: str = "full",
    quantize: str | None = None,
    name: str | None = None,
    version: int | None = None,
    representative=None,
    labels=None,
) -> Path:
    """Exports `model` in `format` under the folder `out` and returns what
    was written: the SavedModel's version folder `out/name/version/`, or
    the file `out/name-part[-quantize].tflite|onnx`, never replacing one
    that exists. See `export_saved_model`, `export_tflite`, `export_onnx`."""
    check_choice(format, FORMATS, "format")
    if quantize is not None and format != "tflite":
        raise ValueError(
            f"Quantization is a LiteRT conversion; a {format} export keeps float32 weights "
            f"(TF Serving and onnxruntime serve them as they are). Received: quantize={quantize!r}"
        )
    if format == "saved_model":
        return export_saved_model(model, out, name=name, version=version, part=part)
    if version is not None:
        raise ValueError(f"Only a SavedModel export is versioned. Received: version={version}")
    name = _model_name(model, name)
    suffix = "" if quantize in (None, "float32") else f"-{quantize}"
    path = Path(out) / f"{name}-{part}{suffix}.{format}"
    if path.exists():
        raise ValueError(f"`out` already holds {path.name}, which is never overwritten. Received: out='{out}'")
    Path(out).mkdir(parents=True, exist_ok=True)
    if format == "tflite":
        return export_tflite(model, path, part, quantize or "float32", representative, labels)
    return export_onnx(model, path, part)
