"""LiteRT and ONNX files for every family: parity with Keras on real test
digits, the int8 bars on a trained model, and bad input."""

import numpy as np
import pytest

import keras_ae
from keras_ae import datasets, evaluation, export
from tests.test_export import FAMILIES, codes_for, examples_for, make_model


@pytest.fixture(scope="module")
def digits():
    arrays = datasets.load_arrays("mnist_sample")
    return (arrays.x_test[:16] / 255.0).astype("float32"), arrays.y_test[:16].astype("int32")


def feeds_for(model, part, digits):
    x, labels = digits
    if part == "decoder" or not hasattr(model, "encoder"):
        feeds = {"z": codes_for(model, len(x))}
    else:
        feeds = {"x": examples_for(model, x)}
    if model.conditional:
        feeds["label"] = labels
    return feeds


def keras_reference(model, part, feeds):
    network = export.part_network(model, part)
    inputs = [feeds[i.name] for i in network.inputs]
    return {k: np.asarray(v) for k, v in network(inputs if len(inputs) > 1 else inputs[0]).items()}


@pytest.mark.parametrize("family", FAMILIES)
def test_litert_float32_and_float16_match_keras(family, digits, tmp_path):
    model = make_model(family)
    part = "full"
    feeds = feeds_for(model, part, digits)
    expected = keras_reference(model, part, feeds)
    for quantize, tolerance in (("float32", 1e-4), ("float16", 1e-2)):
        path = export.export_tflite(model, tmp_path / f"{quantize}.tflite", part, quantize)
        got = export.run_tflite(path, **feeds)  # the stock interpreter: builtin ops only
        assert set(got) == set(expected)
        for name in expected:
            assert np.abs(got[name] - expected[name]).max() <= tolerance, (quantize, name)


@pytest.mark.parametrize("family", FAMILIES)
def test_onnx_matches_keras(family, digits, tmp_path):
    import onnxruntime

    model = make_model(family)
    for part in [p for p in ("full", "decoder") if p in getattr(model, "export_parts", export.PARTS)]:
        feeds = feeds_for(model, part, digits)
        path = export.export_onnx(model, tmp_path / f"{part}.onnx", part)
        session = onnxruntime.InferenceSession(str(path))
        assert {i.name for i in session.get_inputs()} == set(feeds)
        names = [o.name for o in session.get_outputs()]
        got = dict(zip(names, session.run(names, feeds)))
        expected = keras_reference(model, part, feeds)
        for name in expected:
            np.testing.assert_allclose(got[name], expected[name], rtol=0, atol=1e-5)


@pytest.fixture(scope="module")
def trained_conv(tmp_path_factory):
    import keras

    keras.utils.set_random_seed(0)
    train, _, arrays = datasets.load("mnist_sample", batch_size=32)
    model = keras_ae.ConvAutoencoder.from_spec((28, 28, 1), 16, architecture_options={"filters": (32, 64)})
    model.compile(optimizer="adam")
    model.fit(train, epochs=4, verbose=0)
    path = tmp_path_factory.mktemp("conv") / "model.keras"
    model.save(path)
    return model, path, arrays


def test_int8_keeps_psnr_within_1db_at_a_third_of_the_size(trained_conv, tmp_path):
    model, _, arrays = trained_conv
    x = arrays.x_test[:200] / 255.0
    float_file = export.export_tflite(model, tmp_path / "f32.tflite")
    int8_file = export.export_tflite(model, tmp_path / "int8.tflite", quantize="int8", representative=arrays.x_train / 255.0)
    float_psnr = evaluation.reconstruction_report(x, export.run_tflite(float_file, x=x)["reconstruction"])["psnr_db"]
    int8_psnr = evaluation.reconstruction_report(x, export.run_tflite(int8_file, x=x)["reconstruction"])["psnr_db"]
    assert float_psnr > 15 and abs(float_psnr - int8_psnr) <= 1.0
    assert int8_file.stat().st_size <= 0.35 * float_file.stat().st_size


def test_export_command_writes_litert_and_onnx_files_once(trained_conv, tmp_path, capsys):
    from keras_ae import cli

    _, model_path, _ = trained_conv
    base = ["export", str(model_path), "--out", str(tmp_path)]
    assert cli.main([*base, "--format", "tflite", "--quantize", "int8", "--part", "encoder"]) == 0
    assert cli.main([*base, "--format", "onnx"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["conv-encoder-int8.tflite", "conv-full.onnx"]
    before = (tmp_path / "conv-full.onnx").read_bytes()
    capsys.readouterr()
    assert cli.main([*base, "--format", "onnx"]) == 2
    assert "never overwritten" in capsys.readouterr().err
    assert (tmp_path / "conv-full.onnx").read_bytes() == before
    assert cli.main([*base, "--format", "onnx", "--quantize", "int8"]) == 2
    assert "Received: quantize='int8'" in capsys.readouterr().err


def test_bad_litert_requests(tmp_path, digits):
    model = make_model("cvae")
    with pytest.raises(ValueError, match="Received: representative=None"):
        export.export_tflite(model, tmp_path / "a.tflite", quantize="int8")
    with pytest.raises(ValueError, match="Received: labels=None"):
        export.export_tflite(model, tmp_path / "a.tflite", quantize="int8", representative=digits[0])
    with pytest.raises(ValueError, match="Received: quantize='int4'"):
        export.export_tflite(model, tmp_path / "a.tflite", quantize="int4")
    assert list(tmp_path.iterdir()) == []
    path = export.export_tflite(model, tmp_path / "a.tflite")
    with pytest.raises(ValueError, match="Received: image"):
        export.run_tflite(path, image=digits[0])
    with pytest.raises(ValueError, match=r"\(None, 28, 28, 1\). Received: x with shape \(1, 27, 28, 1\)"):
        export.run_tflite(path, x=np.zeros((1, 27, 28, 1), "float32"), label=np.zeros(1, "int32"))


def test_int8_keeps_a_conditional_models_codes(tmp_path, digits):
    """The label's one-hot must survive full-integer quantization: with
    Keras's CategoryEncoding the int8 CVAE's codes were off by half their
    range; an identity lookup (GATHER) quantizes exactly."""
    x, labels = digits
    model = make_model("cvae")
    kwargs = {"part": "encoder", "representative": np.concatenate([x, x[::-1]]), "labels": np.concatenate([labels, labels])}
    float_codes = export.run_tflite(export.export_tflite(model, tmp_path / "f.tflite", **kwargs), x=x, label=labels)
    int8_codes = export.run_tflite(export.export_tflite(model, tmp_path / "q.tflite", quantize="int8", **kwargs), x=x, label=labels)
    for name in ("mean", "log_var"):
        spread = np.ptp(float_codes[name])
        assert np.abs(float_codes[name] - int8_codes[name]).mean() < 0.05 * spread, name
