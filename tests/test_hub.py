"""Presets on hubs: hf:// handles through the real huggingface_hub client
against a stand-in for the Hub on 127.0.0.1 (tests/hf_standin.py): a clean
download, a cache hit without a request, revision pinning, a tampered file,
a truncated transfer, an unreachable host, bad handles, and the upload round
trip that pins a built-in's revision in the manifest."""

import shutil
import sys
import time
import types

import keras
import numpy as np
import pytest

import keras_ae
from keras_ae import cli, hub, zoo
from keras_ae import presets as preset_store

huggingface_hub = pytest.importorskip("huggingface_hub")
hf_constants = pytest.importorskip("huggingface_hub.constants")

from hf_standin import HubStandIn  # noqa: E402

TOKEN = "hf_test_token"


def tiny_preset(folder, seed):
    keras.utils.set_random_seed(seed)
    model = keras_ae.Autoencoder(*keras_ae.blocks.dense_networks((28, 28, 1), 4, units=(16,)))
    zoo.save_preset(model, folder, {"family": "dense", "dataset": "mnist",
                                    "metrics": {"headline": {"name": "sse_per_image", "dataset": "mnist", "value": 1.0}}},
                    "# tiny\n", b"\x89PNG not really")
    return model


@pytest.fixture(scope="module")
def presets(tmp_path_factory):
    """Two versions of a tiny preset, `tiny` (v1) and its retrained `v2`."""
    root = tmp_path_factory.mktemp("presets")
    return {"v1": (tiny_preset(root / "tiny", 0), root / "tiny"), "v2": (tiny_preset(root / "v2" / "tiny", 1), root / "v2" / "tiny")}


@pytest.fixture
def standin(tmp_path, monkeypatch):
    served = HubStandIn(TOKEN)
    monkeypatch.setenv("HF_ENDPOINT", served.url)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf_cache"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.delenv("KERAS_AE_ZOO_URL", raising=False)
    # The stand-in does not speak Xet (Hugging Face's chunked storage): uploads take the LFS path.
    monkeypatch.setattr(hf_constants, "HF_HUB_DISABLE_XET", True)
    yield served
    served.close()


def same_outputs(a, b):
    x = np.random.default_rng(0).random((3, 28, 28, 1), dtype="float32")
    np.testing.assert_array_equal(a.reconstruct(x), b.reconstruct(x))


def downloads(standin):
    return sorted(path.rsplit("/", 1)[-1] for method, path in standin.requests if method == "GET")


def test_clean_download_then_cache_hit_without_a_request(presets, standin):
    model, folder = presets["v1"]
    commit = standin.publish("owner/tiny", folder)
    same_outputs(model, keras_ae.Autoencoder.from_preset(f"hf://owner/tiny@{commit}"))
    assert downloads(standin) == sorted(zoo.FILES)
    assert all(method in ("HEAD", "GET") for method, _ in standin.requests)
    standin.requests.clear()
    same_outputs(model, keras_ae.from_preset(f"hf://owner/tiny@{commit}"))  # a commit: nothing to ask
    assert standin.requests == []
    keras_ae.from_preset("hf://owner/tiny")  # a branch: one HEAD to learn its commit, the files cached
    assert standin.requests == [("HEAD", "/owner/tiny/resolve/main/metadata.json")]


def test_revision_pinning(presets, standin):
    first = standin.publish("owner/tiny", presets["v1"][1])
    second = standin.publish("owner/tiny", presets["v2"][1])
    same_outputs(presets["v1"][0], keras_ae.from_preset(f"hf://owner/tiny@{first}"))
    same_outputs(presets["v2"][0], keras_ae.from_preset("hf://owner/tiny"))
    same_outputs(presets["v2"][0], keras_ae.from_preset(f"hf://owner/tiny@{second}"))
    with pytest.raises(ValueError, match=r"(?s)Could not download metadata.json of hf://owner/tiny@v9.*Received: preset='hf://owner/tiny@v9'"):
        keras_ae.from_preset("hf://owner/tiny@v9")
    with pytest.raises(ValueError, match="Could not download metadata.json of hf://owner/missing"):
        keras_ae.from_preset("hf://owner/missing")


def test_tampered_file_is_refused_removed_and_fetched_again(presets, standin, tmp_path):
    model, folder = presets["v1"]
    commit = standin.publish("owner/tiny", folder)
    standin.tamper.add(f"/owner/tiny/resolve/{commit}/model.weights.h5")
    with pytest.raises(ValueError) as error:
        keras_ae.from_preset(f"hf://owner/tiny@{commit}")
    message = str(error.value)
    assert "model.weights.h5 of hf://owner/tiny@" in message and "does not match its sha256" in message
    assert str(tmp_path / "hf_cache") in message and "\n" not in message
    assert not list((tmp_path / "hf_cache").rglob("model.weights.h5"))  # the snapshot's link
    assert len(list((tmp_path / "hf_cache").rglob("blobs/*"))) == len(zoo.FILES) - 1  # and its blob
    standin.tamper.clear()
    same_outputs(model, keras_ae.from_preset(f"hf://owner/tiny@{commit}"))


def test_truncated_transfer_resumes_once_and_fails_when_it_stays_cut(presets, standin, tmp_path, monkeypatch):
    model, folder = presets["v1"]
    commit = standin.publish("owner/tiny", folder)
    weights = f"/owner/tiny/resolve/{commit}/model.weights.h5"
    standin.truncate[weights] = True  # cut once: the client resumes with a Range request
    same_outputs(model, keras_ae.from_preset(f"hf://owner/tiny@{commit}"))
    assert downloads(standin).count("model.weights.h5") == 2
    shutil.rmtree(tmp_path / "hf_cache")
    standin.truncate[weights] = False  # cut every time: the client's 5 resumes, without its 1 s pauses
    file_download = pytest.importorskip("huggingface_hub.file_download")
    monkeypatch.setattr(file_download, "time", types.SimpleNamespace(**{**vars(time), "sleep": lambda seconds: None}))
    with pytest.raises(ValueError, match="Could not download model.weights.h5 of hf://owner/tiny@"):
        keras_ae.from_preset(f"hf://owner/tiny@{commit}")
    assert not list((tmp_path / "hf_cache").rglob("model.weights.h5"))


def test_unreachable_hub_fails_fast_naming_handle_and_cache(presets, standin, tmp_path, monkeypatch):
    model, folder = presets["v1"]
    standin.publish("owner/tiny", folder)
    keras_ae.from_preset("hf://owner/tiny")
    standin.close()  # nothing listens on its port any more
    same_outputs(model, keras_ae.from_preset("hf://owner/tiny"))  # a branch: its cached commit
    started = time.perf_counter()
    with pytest.raises(ValueError) as error:
        keras_ae.from_preset("hf://owner/other@main")
    assert time.perf_counter() - started < 5
    message = str(error.value)
    assert "hf://owner/other@main" in message and str(tmp_path / "hf_cache") in message and "\n" not in message


@pytest.mark.parametrize("handle", ["hf://owner", "hf://owner/repo/extra", "hf://owner/re po", "hf://owner/repo@../x",
                                    "s3://bucket/tiny", "kaggle://owner/model", "HF://x"])
def test_bad_handles_are_refused_in_one_line_before_any_request(handle, standin):
    with pytest.raises(ValueError, match=f"Received: preset='{handle}'"):
        keras_ae.from_preset(handle)
    assert standin.requests == []


def test_a_missing_client_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "huggingface_hub", None)
    with pytest.raises(ValueError, match=r"pip install 'keras-ae\[hf\]'. Received: preset='hf://owner/tiny'"):
        keras_ae.from_preset("hf://owner/tiny")
    monkeypatch.setitem(sys.modules, "kagglehub", None)
    with pytest.raises(ValueError, match=r"keras-ae\[kaggle\]"):
        keras_ae.from_preset("kaggle://owner/model/keras/tiny/1")


def test_upload_round_trip_through_the_command(presets, standin, capsys):
    model, folder = presets["v1"]
    assert cli.main(["zoo", "upload", str(folder), "hf://owner/new", "--token", TOKEN]) == 0
    out = capsys.readouterr().out
    handle = out.split("load it with ")[1].split()[0]
    assert handle == f"hf://owner/new@{standin.repos['owner/new']['refs']['main']}"
    sent = [(m, p.split("/")[-1] if m == "PUT" else p) for m, p in standin.requests]
    assert ("POST", "/api/repos/create") in sent and ("POST", "/api/models/owner/new/commit/main") in sent
    assert sum(m == "PUT" for m, _ in sent) == 2  # the weights and the picture, by LFS
    same_outputs(model, keras_ae.from_preset(handle))
    for name in zoo.FILES:
        assert standin.repos["owner/new"]["commits"][handle.split("@")[1]][name] == (folder / name).read_bytes()
    # No token: the stand-in refuses, in one line.
    assert cli.main(["zoo", "upload", str(folder), "hf://owner/new2"]) == 2
    assert "Could not upload" in capsys.readouterr().err


def test_upload_refuses_a_folder_that_fails_its_hashes_before_sending(presets, standin, tmp_path):
    folder = tmp_path / "tiny"
    shutil.copytree(presets["v1"][1], folder)
    (folder / "README.md").write_text("changed")
    with pytest.raises(ValueError, match="README.md of the preset at .* does not match its sha256"):
        keras_ae.upload_preset(folder, "hf://owner/new", token=TOKEN)
    with pytest.raises(ValueError, match="Received: handle='hf://owner/new@"):
        keras_ae.upload_preset(presets["v1"][1], "hf://owner/new@" + "0" * 40, token=TOKEN)
    assert cli.main(["zoo", "upload", str(tmp_path / "nothing"), "hf://owner/new"]) == 2
    assert standin.requests == []


def test_builtin_resolves_its_recorded_revision_once_published(presets, standin, tmp_path, monkeypatch):
    model, folder = presets["v1"]
    monkeypatch.setattr(preset_store, "MANIFEST", tmp_path / "manifest.json")
    monkeypatch.setattr(preset_store, "PACKAGED", tmp_path / "not_shipped")
    zoo.write_manifest({"tiny": {**zoo.manifest_entry(folder), "hub": {"handle": "hf://keras-ae/tiny", "revision": None}}})
    with pytest.raises(ValueError, match="(?s)not shipped.*hf://keras-ae/tiny, revision none.*Received: preset='tiny'"):
        keras_ae.from_preset("tiny")
    assert standin.requests == []
    commit = zoo.upload_preset(folder, "hf://keras-ae/tiny", token=TOKEN, record=True)  # the release process
    assert zoo.manifest()["tiny"]["hub"] == {"handle": "hf://keras-ae/tiny", "revision": commit}
    standin.publish("keras-ae/tiny", presets["v2"][1])  # main moves on; the pin does not
    standin.requests.clear()
    same_outputs(model, keras_ae.from_preset("tiny"))
    assert downloads(standin) == sorted(zoo.FILES)
    assert sorted(p.name for p in (zoo.cache_dir() / "tiny").iterdir() if p.is_file()) == sorted(zoo.FILES)
    standin.requests.clear()
    keras_ae.from_preset("tiny")
    assert standin.requests == []
    with pytest.raises(ValueError, match="`record` pins a built-in"):
        zoo.upload_preset(presets["v2"][1], "hf://keras-ae/tiny", token=TOKEN, record=True)


def test_commands_take_a_hub_handle(presets, standin, capsys, tmp_path):
    commit = standin.publish("owner/tiny", presets["v1"][1])
    assert cli.main(["zoo", "show", f"hf://owner/tiny@{commit}"]) == 0
    assert "# tiny" in capsys.readouterr().out
    assert cli.main(["plot", "reconstructions", "hf://owner/tiny", "--out", str(tmp_path / "r.png"), "--n", "2"]) == 0
    assert (tmp_path / "r.png").read_bytes()[:4] == b"\x89PNG"
    assert cli.main(["evaluate", "gs://owner/tiny"]) == 2
    assert "Received: model='gs://owner/tiny'" in capsys.readouterr().err


def test_kaggle_handle_checks_what_kagglehub_hands_back(presets, tmp_path, monkeypatch):
    kagglehub = pytest.importorskip("kagglehub")
    model, folder = presets["v1"]
    asked = []
    monkeypatch.setattr(kagglehub, "model_download", lambda handle: asked.append(handle) or str(tmp_path / "kaggle"))
    shutil.copytree(folder, tmp_path / "kaggle")
    same_outputs(model, keras_ae.from_preset("kaggle://owner/tiny/keras/v1/3"))
    assert asked == ["owner/tiny/keras/v1/3"]
    (tmp_path / "kaggle" / "card.png").write_bytes(b"other")
    with pytest.raises(ValueError, match="card.png of kaggle://owner/tiny/keras/v1/3 does not match its sha256"):
        keras_ae.from_preset("kaggle://owner/tiny/keras/v1/3")
