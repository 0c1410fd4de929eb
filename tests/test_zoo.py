"""The zoo: the preset format, loading from a folder, a URL and a built-in
name through a local HTTP server, what a bad download does, safe mode, and
the built-in presets' measured metrics."""

import functools
import http.server
import json
import threading
import time

import keras
import numpy as np
import pytest

import keras_ae
from keras_ae import presets, zoo


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))


def small_model():
    """A trained model: its optimizer has state that a preset must not carry."""
    keras.utils.set_random_seed(0)
    model = keras_ae.Autoencoder(*keras_ae.blocks.dense_networks((28, 28, 1), 4, units=(16,)))
    model.compile(optimizer="adam")
    model.fit(np.random.default_rng(0).random((8, 28, 28, 1), dtype="float32"), epochs=1, verbose=0)
    return model


@pytest.fixture
def preset(tmp_path):
    model = small_model()
    folder = tmp_path / "published" / "tiny"
    zoo.save_preset(model, folder, {"family": "dense", "dataset": "mnist",
                                    "metrics": {"headline": {"name": "sse_per_image", "dataset": "mnist", "value": 1.0}}},
                    "# tiny\n", b"\x89PNG not really")
    return model, folder


class Server:
    """A static file server on 127.0.0.1 that logs its requests; a path in
    `truncate` is answered with half its bytes under the full length."""

    def __init__(self, root):
        self.requests, self.truncate = [], set()
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                if self.path in server.truncate:
                    body = (root / self.path.lstrip("/")).read_bytes()
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body[: len(body) // 2])
                    return
                super().do_GET()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(preset):
    served = Server(preset[1].parent)
    yield served
    served.close()


def same_outputs(a, b):
    x = np.random.default_rng(0).random((3, 28, 28, 1), dtype="float32")
    np.testing.assert_array_equal(a.reconstruct(x), b.reconstruct(x))


def test_folder_round_trip_and_class_check(preset):
    model, folder = preset
    assert sorted(p.name for p in folder.iterdir()) == sorted(zoo.FILES)
    import h5py

    with h5py.File(folder / "model.weights.h5") as weights:
        assert "optimizer" not in weights and {"encoder", "decoder"} <= set(weights)
    assert "compile_config" not in json.loads((folder / "config.json").read_text())
    metadata = json.loads((folder / "metadata.json").read_text())
    assert metadata["parameters"] == model.count_params() and set(metadata["sha256"]) == set(zoo.FILES) - {"metadata.json"}
    same_outputs(model, keras_ae.Autoencoder.from_preset(folder))
    with pytest.raises(ValueError, match="holds a model of class Autoencoder, not VAE"):
        keras_ae.VAE.from_preset(folder)


def test_url_download_then_cache_hit(preset, server):
    model, _ = preset
    same_outputs(model, keras_ae.from_preset(f"{server.url}/tiny"))
    assert sorted(server.requests) == sorted(f"/tiny/{name}" for name in zoo.FILES)
    server.requests.clear()
    same_outputs(model, keras_ae.from_preset(f"{server.url}/tiny/"))
    assert server.requests == []


@pytest.fixture
def builtin(preset, server, tmp_path, monkeypatch):
    """`tiny` as a built-in preset that only the server has."""
    _, folder = preset
    monkeypatch.setattr(presets, "MANIFEST", tmp_path / "manifest.json")
    monkeypatch.setattr(presets, "PACKAGED", tmp_path / "not_shipped")
    monkeypatch.setenv("KERAS_AE_ZOO_URL", server.url)
    zoo.write_manifest({"tiny": zoo.manifest_entry(folder)})
    return folder


def test_builtin_name_downloads_verified_then_hits_the_cache(preset, server, builtin):
    same_outputs(preset[0], keras_ae.from_preset("tiny"))
    assert len(server.requests) == len(zoo.FILES)
    server.requests.clear()
    keras_ae.from_preset("tiny")
    assert server.requests == []


def test_tampered_file_is_refused_removed_and_nothing_loaded(server, builtin):
    weights = builtin / "model.weights.h5"
    weights.write_bytes(weights.read_bytes()[:-8] + b"tampered")
    with pytest.raises(ValueError, match="(?s)model.weights.h5.*hash"):
        keras_ae.from_preset("tiny")
    assert not (zoo.cache_dir() / "tiny" / "model.weights.h5").exists()


def test_truncated_transfer_leaves_no_file(server, builtin):
    server.truncate.add("/tiny/model.weights.h5")
    with pytest.raises(ValueError, match="Could not download"):
        keras_ae.from_preset("tiny")
    assert not (zoo.cache_dir() / "tiny" / "model.weights.h5").exists()


def test_unreachable_server_fails_fast_naming_url_and_cache(builtin, monkeypatch):
    closed = Server(builtin.parent)
    closed.close()  # nothing listens on its port any more
    monkeypatch.setenv("KERAS_AE_ZOO_URL", closed.url)
    started = time.perf_counter()
    with pytest.raises(ValueError) as error:
        keras_ae.from_preset("tiny")
    assert time.perf_counter() - started < 10
    assert f"{closed.url}/tiny/" in str(error.value) and str(zoo.cache_dir() / "tiny") in str(error.value)


@pytest.mark.parametrize("name", ["../tiny", "a/b", "..", "Tiny!", ""])
def test_names_with_path_parts_are_refused(name, builtin, server):
    with pytest.raises(ValueError, match="Received: preset="):
        keras_ae.from_preset(name)
    assert server.requests == []


@pytest.mark.parametrize("change", ["lambda", "unknown"])
def test_safe_mode_refuses_code_and_unknown_classes(preset, change):
    _, folder = preset
    config = json.loads((folder / "config.json").read_text())
    encoder_layers = config["config"]["encoder"]["config"]["layers"]
    if change == "lambda":
        lambda_layer = keras.layers.Lambda(lambda t: t * 2)
        encoder_layers[1] = {**keras.saving.serialize_keras_object(lambda_layer), "name": encoder_layers[1]["name"],
                             "inbound_nodes": encoder_layers[1]["inbound_nodes"]}
    else:
        config["class_name"] = config["registered_name"] = "keras_ae>NotAFamily"
    (folder / "config.json").write_text(json.dumps(config))
    metadata = json.loads((folder / "metadata.json").read_text())
    metadata["sha256"]["config.json"] = zoo.sha256(folder / "config.json")
    (folder / "metadata.json").write_text(json.dumps(metadata))
    with pytest.raises(ValueError, match="refused in safe mode"):
        keras_ae.from_preset(folder)


def test_zoo_list_prints_the_readme_table(capsys):
    from pathlib import Path

    from keras_ae import cli

    assert cli.main(["zoo", "list"]) == 0
    table = capsys.readouterr().out.strip()
    assert table == zoo.presets_table().strip()
    assert [row["name"] for row in keras_ae.list_presets()] == sorted(zoo.manifest())
    assert all(f"`{name}`" in table for name in zoo.manifest())
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert table in readme


def test_zoo_show_download_verify(capsys):
    from keras_ae import cli

    name = sorted(zoo.manifest())[0]
    assert cli.main(["zoo", "show", name]) == 0
    assert f"# {name}" in capsys.readouterr().out
    assert cli.main(["zoo", "download", name]) == 0
    assert (zoo.cache_dir() / name / "model.weights.h5").is_file()
    assert cli.main(["zoo", "verify", name]) == 0
    assert "ok" in capsys.readouterr().out
    (zoo.cache_dir() / name / "README.md").write_text("changed")
    assert cli.main(["zoo", "verify", name]) == 2
    assert "README.md" in capsys.readouterr().err


# Presets whose headline takes a minute or more to recompute on a 2-core CPU
# (importance sampling, CIFAR-10, full-size restoration test sets): checked
# with `pytest -m slow`. Every kind of headline keeps one preset in the
# default run (vae2d_mnist for NLL); the restoration headlines' code runs in
# tests/test_restoration.py on a small model.
def test_the_wheel_ships_the_presets_the_readme_and_offline_tests_use():
    from pathlib import Path

    assert sorted(p.name for p in zoo.PACKAGED.iterdir() if p.is_dir()) == sorted(zoo.SHIPPED)
    source = Path(__file__).resolve().parents[1] / "zoo" / "presets"
    assert sorted([*zoo.SHIPPED, *(p.name for p in source.iterdir() if p.is_dir())]) == sorted(zoo.manifest())
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert all(f'"{name}"' in readme or f" {name}" in readme for name in zoo.SHIPPED)


def test_every_family_has_a_preset():
    from keras_ae.models import FAMILIES

    covered = {entry["family"] for entry in zoo.manifest().values()}
    assert not set(FAMILIES) - covered, f"families without a preset: {sorted(set(FAMILIES) - covered)}"


SLOW_PRESETS = {"vae_mnist", "conv_cifar10", "unet_denoise_grey", "unet_denoise_colour", "unet_upscale_grey",
                "mae_cifar10"}


@pytest.mark.parametrize("name", [pytest.param(name, marks=pytest.mark.slow) if name in SLOW_PRESETS else name
                                  for name in sorted(zoo.manifest())])
def test_builtin_preset_loads_offline_and_matches_its_card(name, shared_datasets):
    # Shipped, or from the repository's zoo/presets (tests/pytest_plugin.py): no network either way.
    headline = zoo.manifest()[name]["headline"]
    value = zoo.recompute_headline(name, data_dir=shared_datasets)
    assert value == pytest.approx(headline["value"], rel=0.01)
    card = (zoo.resolve_preset(name) / "README.md").read_text()
    assert f"{headline['value']:.3f}" in card


def test_commands_take_a_preset_name(tmp_path, capsys):
    from keras_ae import cli

    assert cli.main(["plot", "manifold", "vae2d_mnist", "--out", str(tmp_path / "m.png"), "--n", "5"]) == 0
    assert (tmp_path / "m.png").read_bytes()[:4] == b"\x89PNG"
    capsys.readouterr()
    assert cli.main(["evaluate", "conv_mnist"]) == 0
    assert json.loads(capsys.readouterr().out)["family"] == "conv"
    assert cli.main(["evaluate", "no_such_preset"]) == 2
    assert "conv_mnist" in capsys.readouterr().err


def test_detector_preset_flags_the_nab_window_and_nothing_else():
    from keras_ae import anomaly
    from keras_ae.datasets import nab

    detector = zoo.load_detector("conv1d_nab_art_daily")
    assert isinstance(detector, anomaly.SeriesAnomalyDetector) and detector.window == 288
    test = nab.load_series(nab.EMBEDDED_SERIES[1])  # shipped with the package
    report = anomaly.event_detection(detector.predict(test.values), test.windows)
    assert report["found"] == 1 and report["false_positive_events"] == 0
    with pytest.raises(ValueError, match="not an anomaly detector"):
        zoo.load_detector("conv_mnist")
