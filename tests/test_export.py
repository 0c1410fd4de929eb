"""SavedModel export: every family's signatures, run where keras_ae is not
importable, equal the Keras model; the TF Serving layout, the clients'
request shapes, and bad input."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_ae
from keras_ae import export
from tests import families

ROOT = Path(__file__).resolve().parents[1]
# Every registered family, each built from its test class's declaration.
FAMILIES = sorted(keras_ae.FAMILIES)


def make_model(family):
    """The family's small model, as its test class declares it (tests/families.py)."""
    keras.utils.set_random_seed(0)
    return families.declaration(family).make_model()


def codes_for(model, n, seed=0):
    """`n` inputs of the `decode` signature: N(0, I) codes, or for a
    vector-quantized model a grid of code indices (as float32, the
    exporters' `z`)."""
    rng = np.random.default_rng(seed)
    if hasattr(model, "num_codes"):
        return rng.integers(0, model.num_codes, (n, *model.grid)).astype("float32")
    return rng.standard_normal((n, *model.latent_shape)).astype("float32")


def exports_sample(model):
    """A `sample` signature draws N(0, I) codes: a VQ-VAE's PixelCNN prior has none."""
    return hasattr(model, "sample") and not hasattr(model, "fit_prior")


def examples_for(model, digits):
    """Digits as the model's examples: a sequence model reads their rows."""
    return digits[..., 0] if len(model.data_shape) == 2 else digits


def keras_outputs(model, x, z, seeds, labels):
    """What each signature must return, computed by the Keras model."""
    conditions = (labels,) if model.conditional else ()
    parts = getattr(model, "export_parts", export.PARTS)
    if parts == ("full",):  # exported whole only
        return {"serving_default": {"reconstruction": model.reconstruct(x)}}
    if "decoder" not in parts:  # a masked autoencoder: its code has no decoder
        return {"serving_default": {"reconstruction": model.reconstruct_unmasked(x)},
                "encode": {"code": model.encode(x)}}
    drawn = np.stack([tf.random.stateless_normal(model.latent_shape, seed=[s, 0]).numpy() for s in seeds])
    expected = {"decode": {"decoded": model.decode(z, *conditions)}}
    if exports_sample(model):
        expected["sample"] = {"sample": model.decode(drawn, *conditions)}
    if hasattr(model, "encode"):
        codes = model.encode(x, *conditions)
        codes = codes if isinstance(codes, tuple) else (codes,)
        expected["encode"] = dict(zip(model.encoder_outputs, codes))
        expected["serving_default"] = {"reconstruction": model.reconstruct(x, *conditions)}
    else:
        expected["serving_default"] = expected["decode"]
    return expected


@pytest.fixture(scope="module")
def exported(tmp_path_factory, mnist_digits):
    base = tmp_path_factory.mktemp("serving")
    labels = np.arange(5, dtype="int32")
    seeds = np.array([1, 2, 3, 40, 2**40], dtype="int64")
    cases, expected = {}, {}
    for family in FAMILIES:
        model = make_model(family)
        x = examples_for(model, mnist_digits[:5])
        z = codes_for(model, 5) if "decoder" in getattr(model, "export_parts", export.PARTS) else None
        cases[f"{family}/path"] = np.array(str(export.export_saved_model(model, base)))
        feeds = {"x": x, "z": z, "seed": seeds}
        if model.conditional:
            feeds["label"] = labels
        expected[family] = keras_outputs(model, x, z, seeds, labels)
        for signature, outputs in expected[family].items():
            first = {"serving_default": "x" if hasattr(model, "encoder") else "z", "encode": "x", "decode": "z", "sample": "seed"}
            cases[f"{family}/{signature}/{first[signature]}"] = feeds[first[signature]]
            if "label" in feeds:
                cases[f"{family}/{signature}/label"] = labels
    np.savez(base / "cases.npz", **cases)
    subprocess.run(
        [sys.executable, str(ROOT / "tests" / "export_runner.py"), str(base / "cases.npz"), str(base / "out.npz")],
        check=True, timeout=300,
    )
    return base, expected, dict(np.load(base / "out.npz"))


@pytest.mark.parametrize("family", FAMILIES)
def test_signatures_match_keras_without_keras_ae(exported, family):
    _, expected, served = exported
    for signature, outputs in expected[family].items():
        for name, value in outputs.items():
            np.testing.assert_allclose(served[f"{family}/{signature}/{name}"], value, rtol=0, atol=1e-5,
                                       err_msg=f"{family} {signature} {name}")
    got = {key.split("/")[1] for key in served if key.startswith(f"{family}/")}
    assert got == set(expected[family])


def test_layout_config_and_saved_model_cli(exported):
    base, expected, _ = exported
    assert sorted(p.name for p in base.iterdir() if p.is_dir()) == FAMILIES
    assert all(sorted(p.name for p in (base / f).iterdir()) == ["1"] for f in FAMILIES)
    config = (base / "models.config").read_text()
    assert config.count("config {") == len(FAMILIES) and 'base_path: "/models/vae"' in config
    cli = Path(sys.executable).with_name("saved_model_cli")
    shown = subprocess.run([str(cli), "show", "--dir", str(base / "cvae" / "1"), "--all"],
                           capture_output=True, text=True, check=True, timeout=120).stdout
    for name in ("serving_default", "encode", "decode", "sample"):
        assert f"signature_def['{name}']" in shown
    assert "inputs['label']" in shown and "outputs['log_var']" in shown


def test_a_new_version_never_overwrites_an_old_one(tmp_path):
    model = make_model("dense")
    assert export.export_saved_model(model, tmp_path, name="digits").name == "1"
    marker = tmp_path / "digits" / "1" / "saved_model.pb"
    before = marker.read_bytes()
    assert export.export_saved_model(model, tmp_path, name="digits").name == "2"
    with pytest.raises(ValueError, match="never overwritten.*Received: version=1"):
        export.export_saved_model(model, tmp_path, name="digits", version=1)
    assert marker.read_bytes() == before
    assert sorted(p.name for p in (tmp_path / "digits").iterdir()) == ["1", "2"]


@pytest.mark.parametrize("name", ["../up", "a/b", ".hidden", ""])
def test_bad_names_are_refused(tmp_path, name):
    with pytest.raises(ValueError, match="Received: name="):
        export.export_saved_model(make_model("dense"), tmp_path, name=name)
    assert list(tmp_path.iterdir()) == []


def test_parts_and_a_failed_write_leaves_nothing(tmp_path, monkeypatch):
    model = make_model("vae")
    assert list(export.serving_endpoints(model, "encoder")) == ["encode"]
    assert list(export.serving_endpoints(model, "decoder")) == ["decode", "sample"]
    with pytest.raises(ValueError, match="Received: part='middle'"):
        export.serving_endpoints(model, "middle")
    with pytest.raises(ValueError, match="no encoder.*Received: part='encoder'"):
        export.serving_endpoints(make_model("gan"), "encoder")

    def fail(self, path, **kwargs):
        Path(path, "half.pb").write_text("half")
        raise OSError("disk full")

    monkeypatch.setattr(type(keras.export.ExportArchive()), "write_out", fail)
    with pytest.raises(OSError):
        export.export_saved_model(model, tmp_path, name="vae")
    assert list((tmp_path / "vae").iterdir()) == []


def test_the_saved_model_holds_only_the_weights_its_signatures_use(tmp_path):
    """A trained FactorVAE carries a discriminator and two optimizers; the
    server needs the encoder and the decoder only."""
    model = keras_ae.models.FactorVAE.from_spec(
        (8,), 2, architecture="dense", architecture_options={"units": (16,)}, discriminator_units=(32, 32), seed=0)
    model.compile(optimizer="adam")
    model.fit(np.random.default_rng(0).random((64, 8), dtype="float32"), epochs=1, batch_size=32, verbose=0)
    target = export.export_model(model, tmp_path, format="saved_model")
    saved = tf.train.list_variables(str(target / "variables" / "variables"))
    values = sum(int(np.prod(shape)) for name, shape in saved if name != "_CHECKPOINTABLE_OBJECT_GRAPH")
    assert values == model.encoder.count_params() + model.decoder.count_params()


def test_wrong_input_shape_names_the_expected_shape(exported):
    base, _, _ = exported
    loaded = tf.saved_model.load(str(base / "conv" / "1"))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[2,27,28,1\].*expected shape \[\?,28,28,1\]"):
        loaded.signatures["serving_default"](x=tf.zeros((2, 27, 28, 1)))


def _client(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "export" / "clients" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rest_body_round_trips_through_a_signature(exported, mnist_digits):
    """Does with the body what TF Serving's REST handler does with the row
    format: stacks each named input over the instances, calls the
    signature, and answers one object per example."""
    base, expected, _ = exported
    rest = _client("rest_client")
    body = rest.request_body("serving_default", x=mnist_digits[:5], label=np.arange(5))
    signature = tf.saved_model.load(str(base / "cvae" / "1")).signatures[body["signature_name"]]
    columns = {name: [row[name] for row in body["instances"]] for name in body["instances"][0]}
    result = signature(**{name: tf.constant(v, dtype=signature.structured_input_signature[1][name].dtype)
                          for name, v in columns.items()})
    rows = [{name: value.numpy()[i].tolist() for name, value in result.items()} for i in range(5)]
    parsed = rest.parse_predictions({"predictions": rows})
    np.testing.assert_allclose(parsed["reconstruction"], expected["cvae"]["serving_default"]["reconstruction"], atol=1e-5)
    with pytest.raises(ValueError, match="one entry per example"):
        rest.request_body("sample", seed=[1, 2], label=[1])


def test_predict_request_round_trips_through_a_signature(exported):
    from tensorflow_serving.apis import predict_pb2

    base, expected, _ = exported
    grpc_client = _client("grpc_client")
    seeds = np.array([1, 2, 3, 40, 2**40], dtype="int64")
    request = grpc_client.predict_request("vae", "sample", seed=seeds)
    assert request.model_spec.name == "vae" and request.inputs["seed"].dtype == tf.int64.as_datatype_enum
    signature = tf.saved_model.load(str(base / "vae" / "1")).signatures[request.model_spec.signature_name]
    result = signature(**{name: tf.constant(tf.make_ndarray(proto)) for name, proto in request.inputs.items()})
    response = predict_pb2.PredictResponse()
    for name, value in result.items():
        response.outputs[name].CopyFrom(tf.make_tensor_proto(value.numpy()))
    np.testing.assert_allclose(grpc_client.parse_response(response)["sample"], expected["vae"]["sample"]["sample"], atol=1e-5)


def test_export_command(tmp_path, capsys):
    from keras_ae import cli

    make_model("vae").save(tmp_path / "model.keras")
    argv = ["export", str(tmp_path / "model.keras"), "--out", str(tmp_path / "serving"), "--part", "decoder"]
    assert cli.main(argv) == 0
    assert "signatures decode, sample" in capsys.readouterr().out
    loaded = tf.saved_model.load(str(tmp_path / "serving" / "vae" / "1"))
    assert sorted(loaded.signatures) == ["decode", "sample", "serving_default"]
    assert cli.main([*argv, "--version", "1"]) == 2
    assert "Received: version=1" in capsys.readouterr().err
    assert (cli.EXPORT_FORMATS, cli.EXPORT_PARTS, cli.EXPORT_QUANTIZATIONS) == (export.FORMATS, export.PARTS, export.QUANTIZATIONS)
