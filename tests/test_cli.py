"""The command line, end to end on the embedded sample (one short run shared
by the tests that read its outputs)."""

import ast
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import pytest

import keras_ae
from keras_ae import cli

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "run"
    status = cli.main(["train", "conv", "--epochs", "2", "--latent-dim", "8", "--out", str(out), "--option", "filters=(8,16)"])
    assert status == 0
    return out


def test_train_writes_the_run(trained_run):
    assert sorted(p.name for p in trained_run.iterdir()) == [
        "history.json", "metrics.json", "model.keras", "reconstructions.png"]
    metrics = json.loads((trained_run / "metrics.json").read_text())
    assert metrics["family"] == "conv" and metrics["latent_dim"] == 8
    assert metrics["pca"]["n_components"] == 8
    history = json.loads((trained_run / "history.json").read_text())
    assert history["loss"][1] < history["loss"][0]
    assert metrics["test"]["sse_per_image"] == pytest.approx(history["val_reconstruction_loss"][-1], rel=1e-3)
    assert set(history) == {"loss", "reconstruction_loss", "val_loss", "val_reconstruction_loss"}
    assert (trained_run / "reconstructions.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    model = keras.saving.load_model(trained_run / "model.keras")
    assert model.latent_dim == 8


def test_evaluate_reproduces_the_training_metrics(trained_run, capsys):
    assert cli.main(["evaluate", str(trained_run / "model.keras")]) == 0
    report = json.loads(capsys.readouterr().out)
    metrics = json.loads((trained_run / "metrics.json").read_text())
    assert report["test"]["sse_per_image"] == pytest.approx(metrics["test"]["sse_per_image"], rel=1e-5)
    assert report["pca"] == pytest.approx(metrics["pca"])


def test_families_lists_every_family(capsys):
    assert cli.main(["families"]) == 0
    names = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert names == sorted(keras_ae.FAMILIES)
    assert {"contractive", "conv", "denoising", "dense", "sparse", "vae", "beta_vae"} <= set(names)


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["train", "no_such_family"], "Received: family='no_such_family'"),
        (["train", "conv", "--dataset", "imagenet"], "Received: dataset='imagenet'"),
        (["train", "conv", "--latent-dim", "0"], "Received: latent_dim=0"),
        (["train", "conv", "--epochs", "-1"], "Received: epochs=-1"),
        (["train", "conv", "--architecture", "rnn"], "Received: architecture='rnn'"),
        (["train", "denoising", "--option", "noise=pink"], "Received: noise='pink'"),
        (["train", "conv", "--option", "colour=2"], "Unknown option 'colour'"),
        (["train", "conv", "--dataset", "mnist", "--data-dir", "{tmp}"], "mnist"),
        (["evaluate", "{tmp}/missing.keras"], "Received: model="),
    ],
)
def test_bad_arguments_exit_2_with_one_line(argv, fragment, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.delenv("KERAS_AE_DATA_DIR", raising=False)
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    out = tmp_path / "out"
    if argv[0] == "train":
        argv += ["--out", str(out)]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("keras-ae: error:")
    assert fragment in err
    assert not out.exists()


def test_failed_run_leaves_no_files(tmp_path, monkeypatch):
    from keras_ae import training

    def fail(*args, **kwargs):
        raise ValueError("disk full. Received: path='x'")

    monkeypatch.setattr(training.plotting, "reconstruction_grid", fail)
    out = tmp_path / "nested" / "run"
    assert cli.main(["train", "dense", "--epochs", "1", "--latent-dim", "2", "--option", "units=(8,)", "--out", str(out)]) == 2
    assert list(tmp_path.iterdir()) == []


def test_existing_output_is_refused_before_training(trained_run, capsys):
    before = sorted(p.stat().st_mtime_ns for p in trained_run.iterdir())
    assert cli.main(["train", "conv", "--out", str(trained_run)]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert sorted(p.stat().st_mtime_ns for p in trained_run.iterdir()) == before


def test_help_on_every_command(capsys):
    for argv in ([c, "--help"] for c in ("", "train", "evaluate", "families", "fit-detector", "detect")):
        argv = [a for a in argv if a]
        with pytest.raises(SystemExit) as exit_info:
            cli.main(argv)
        assert exit_info.value.code == 0
        assert "usage: keras-ae" in capsys.readouterr().out


def test_train_gives_beta_tcvae_its_data_set_size(tmp_path):
    from keras_ae import training

    training.train("beta_tcvae", "mnist_sample", epochs=1, batch_size=64, latent_dim=4, architecture="dense",
                   options={"units": (16,)}, train_examples=256, out=tmp_path / "run")
    model = training.load_saved_model(tmp_path / "run" / "model.keras")
    assert model.get_config()["dataset_size"] == 256  # the examples it trained on


def test_train_decays_a_cosine_step_to_zero_over_the_run(tmp_path):
    from keras_ae import training

    metrics = training.train("dense", "mnist_sample", epochs=2, batch_size=64, latent_dim=4,
                             options={"units": (16,)}, train_examples=256, lr_schedule="cosine", out=tmp_path / "run")
    model = training.load_saved_model(tmp_path / "run" / "model.keras")
    optimizer = model.optimizer
    assert int(optimizer.iterations) == 8  # 2 epochs of 4 batches
    assert optimizer.get_config()["learning_rate"]["class_name"] == "CosineDecay"
    assert float(optimizer.learning_rate) == pytest.approx(0.0, abs=1e-9)  # at the end of the run
    assert metrics["lr_schedule"] == "cosine" and metrics["learning_rate"] == 1e-3
    with pytest.raises(ValueError, match="lr_schedule.*'linear'"):
        training.train("dense", "mnist_sample", epochs=1, lr_schedule="linear")


# === Argument errors before TensorFlow, and a quiet console ===


def _python(code: str, *args: str, drop=(), **env) -> subprocess.CompletedProcess:
    """`python -c code args` on this checkout, without the variables in `drop`."""
    environ = {k: v for k, v in os.environ.items() if k not in drop}
    environ.update(env, PYTHONPATH=os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]))
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=environ,
                          timeout=300)


def test_importing_the_cli_loads_no_tensorflow():
    result = _python("import sys, keras_ae.cli; print(sorted({'tensorflow', 'keras'} & set(sys.modules)))")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# Runs the command in a fresh process and fails if it imported TensorFlow or Keras.
_MAIN_WITHOUT_TENSORFLOW = """
import sys
from keras_ae import cli
try:
    status = cli.main(sys.argv[1:])
except SystemExit as exit:  # argparse's own errors
    status = exit.code
loaded = {'tensorflow', 'keras'} & set(sys.modules)
assert not loaded, f'imported {loaded}'
sys.exit(status)
"""


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["train", "no_such_family"], "Received: family='no_such_family'"),
        (["train", "conv", "--dataset", "imagenet"], "Received: dataset='imagenet'"),
        (["train", "conv", "--option", "colour=2"], "Unknown option 'colour' for family 'conv'"),
        (["train", "vae", "--option", "colour=2"], "Options: beta, kl_warmup_steps"),  # the accepted ones
        (["train", "conv", "--option", "filters=(8,16"], "Received: filters='(8,16'"),
        (["train", "conv", "--epocs", "3"], "unrecognized arguments: --epocs 3"),
        (["train", "conv", "--latent-dim", "0"], "Received: latent_dim=0"),
        (["train", "conv", "--architecture", "rnn"], "Received: architecture='rnn'"),
        (["train", "conv", "--data-dir", "{tmp}/missing"], "Received: data_dir="),
        (["train", "conv", "--out", "{tmp}/full"], "--overwrite"),
        (["evaluate", "{tmp}/missing.keras"], "Received: model="),
        (["fit-detector", "recurrent", "--series", "{tmp}/missing.csv", "--out", "{tmp}/d"], "Received: series="),
        (["fit-detector", "recurrent", "--option", "colour=2", "--out", "{tmp}/d"], "Unknown option 'colour'"),
        (["fit-detector", "conv1d", "--window", "0", "--out", "{tmp}/d"], "Received: window=0"),
        (["detect", "{tmp}", "--out", "{tmp}/o"], "Received: model="),
        (["denoise", "unet_denoise_grey", "{tmp}/missing.png", "--out", "{tmp}/o"], "No image file at"),
        (["zoo", "show", "no_such_preset"], "Received: preset='no_such_preset'"),
        (["evaluate", "hf://owner"], "Received: model='hf://owner'"),
        (["plot", "samples", "s3://bucket/tiny"], "Received: model='s3://bucket/tiny'"),
        (["zoo", "download", "kaggle://owner/model"], "Received: preset='kaggle://owner/model'"),
        (["zoo", "upload", "{tmp}", "hf://owner/repo"], "Received: directory="),
        (["zoo", "upload", "{tmp}/full", "hf:/owner/repo"], "Received: handle='hf:/owner/repo'"),
    ],
)
def test_argument_errors_answer_before_tensorflow_loads(argv, fragment, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "model.keras").write_text("a run")
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    result = _python(_MAIN_WITHOUT_TENSORFLOW, *argv)
    assert result.returncode == 2, result.stderr
    lines = (result.stdout + result.stderr).strip().splitlines()
    assert len(lines) <= 3 and lines[0].startswith("keras-ae"), lines
    assert fragment in lines[0]
    assert not (tmp_path / "d").exists() and not (tmp_path / "o").exists()


def test_the_console_command_answers_a_mistyped_family_in_one_line():
    environ = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, "-m", "keras_ae.cli", "train", "no_such_family"], capture_output=True,
                            text=True, env=environ, timeout=300)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "keras-ae: error: Unknown family 'no_such_family'. Expected one of: "
        f"{', '.join(sorted(keras_ae.FAMILIES))}. Received: family='no_such_family'"
    ]


def test_the_package_loads_its_api_on_first_use():
    code = """
import os, sys
import keras_ae
assert not {'tensorflow', 'keras'} & set(sys.modules), 'loaded on import'
assert os.environ['TF_ENABLE_ONEDNN_OPTS'] == '1'  # set before TensorFlow loads
from keras_ae import ConvAutoencoder, from_preset, training
import keras_ae.models
assert keras_ae.FAMILIES is keras_ae.models.FAMILIES and keras_ae.ConvAutoencoder is ConvAutoencoder
assert keras_ae.blocks.__name__ == 'keras_ae.blocks' and callable(keras_ae.list_presets)
assert {'VAE', 'FAMILIES', 'from_preset', 'models'} <= set(dir(keras_ae))
print(len(keras_ae.FAMILIES), training.onednn_enabled(), keras_ae.__version__)
"""
    result = _python(code, drop=("TF_ENABLE_ONEDNN_OPTS",))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(len(keras_ae.FAMILIES)), "True", keras_ae.__version__]


@pytest.mark.parametrize(
    "before, user, expected",
    [("", None, "1"), ("", "0", "0"),
     # TensorFlow already loaded has read the variable: setting it would only mislead.
     ("import sys, types; sys.modules['tensorflow'] = types.ModuleType('tensorflow'); ", None, "None")],
)
def test_onednn_is_turned_on_unless_the_user_or_tensorflow_chose(before, user, expected):
    env = {} if user is None else {"TF_ENABLE_ONEDNN_OPTS": user}
    result = _python(f"{before}import os, keras_ae; print(os.environ.get('TF_ENABLE_ONEDNN_OPTS'))",
                     drop=("TF_ENABLE_ONEDNN_OPTS",), **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


def test_importing_keras_first_registers_the_families_at_once():
    # `import keras, keras_ae` then keras.saving.load_model: as before the
    # package was lazy, the classes are registered without a first use.
    code = "import keras, keras_ae; print(keras.saving.get_registered_object('keras_ae>ConvAutoencoder').__name__)"
    result = _python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ConvAutoencoder"


def test_importing_keras_after_the_package_registers_the_families(tmp_path):
    # `import keras_ae` then `import keras`: no keras_ae name is touched
    # before keras.saving.load_model, which must still find the class.
    path = tmp_path / "conv.keras"
    code = f"""
import sys, keras_ae
assert 'keras' not in sys.modules
import keras
print(keras.saving.get_registered_object('keras_ae>VAE').__name__)
keras.saving.get_registered_object('keras_ae>ConvAutoencoder')((28, 28, 1), 4, filters=(4,)).save({str(path)!r})
print(type(keras.saving.load_model({str(path)!r})).__name__)
"""
    result = _python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["VAE", "ConvAutoencoder"]


@pytest.mark.parametrize(
    "statement", ["import keras_ae.cli; keras_ae.FAMILIES", "from keras_ae import VAE", "import keras_ae.models",
                  "import keras, keras_ae"],
)
def test_another_keras_backend_is_refused_where_keras_is_first_imported(statement, tmp_path):
    (tmp_path / "keras").mkdir()
    (tmp_path / "keras" / "__init__.py").write_text(
        "class backend:\n    @staticmethod\n    def backend():\n        return 'jax'\n")
    result = _python(f"import sys; sys.path.insert(0, sys.argv[1]); {statement}", str(tmp_path))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "ImportError: keras_ae runs on the TensorFlow backend. Set KERAS_BACKEND=tensorflow. Received: backend='jax'")


def test_catalog_describes_the_registry():
    from keras_ae import catalog, datasets, zoo
    from keras_ae.blocks import ARCHITECTURES
    from keras_ae.models import build

    expected = {}
    for name, cls in sorted(keras_ae.FAMILIES.items()):
        adversarial = issubclass(cls, keras_ae.GAN)
        expected[name] = catalog.Family(
            None if adversarial else cls.default_architecture, bool(getattr(cls, "owns_networks", False)),
            cls.conditional,
            tuple(build.gan_parameters(cls) if adversarial else build.family_parameters(cls)),
        )
    assert catalog.FAMILIES == expected, "the family folders' <name>_presets.py FAMILIES should read:\n" + "\n".join(
        f"    {name!r}: {entry!r}," for name, entry in expected.items())
    architectures = {name: tuple(build.parameters(builder)) for name, builder in ARCHITECTURES.items()}
    assert catalog.ARCHITECTURE_OPTIONS == architectures
    assert catalog.DATASETS is datasets.DATASETS
    assert catalog.PRESET_MANIFEST == zoo.MANIFEST and catalog.preset_names() == sorted(zoo.manifest())


@pytest.mark.parametrize("family", sorted(keras_ae.FAMILIES))
def test_the_cli_routes_options_as_training_does(family):
    from keras_ae import catalog
    from keras_ae.blocks import ARCHITECTURES
    from keras_ae.models import build

    cls = keras_ae.FAMILIES[family]
    bad = {"zz": 1}
    if issubclass(cls, keras_ae.GAN):
        cases = [(None, lambda: build.gan_options(cls, bad))]
    else:
        cases = [(a, lambda a=a: build.split_options(cls, a, bad)) for a in ARCHITECTURES]
    for architecture, refuse in cases:
        with pytest.raises(ValueError) as library:
            refuse()
        architecture, family_options, network_options = catalog.train_options(family, architecture)
        with pytest.raises(ValueError) as command_line:
            catalog.check_options(family, architecture, bad, family_options + network_options)
        assert str(command_line.value) == str(library.value)


def test_tensorflow_log_level_hides_its_logs_unless_asked(monkeypatch):
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    assert cli.tensorflow_log_level(verbose=True) is None  # left alone
    assert "TF_CPP_MIN_LOG_LEVEL" not in os.environ
    assert cli.tensorflow_log_level(verbose=False) == 3
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")  # the user's own wins
    assert cli.tensorflow_log_level(verbose=False) == 0
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0"


@pytest.mark.parametrize("argv", [["--verbose", "families"], ["families", "--verbose"], ["train", "conv", "--verbose"],
                                  ["zoo", "list", "--verbose"]])
def test_verbose_goes_before_or_after_the_command(argv):
    assert cli.build_parser().parse_args(argv).verbose is True
    assert cli.build_parser().parse_args([a for a in argv if a != "--verbose"]).verbose is False


# What TensorFlow 2.21 writes to stderr while it loads, before absl's
# logging is set up (TF_CPP_MIN_LOG_LEVEL does not reach these lines).
_FAKE_TENSORFLOW = """
import os, warnings
os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\\n")
os.write(2, b"I0000 00:00:1796396105.350450    3380 port.cc:153] oneDNN custom operations are on.\\n")
os.write(2, b"E0000 00:00:1796396105.398228    3380 cuda_platform.cc:52] failed call to cuInit\\n")
warnings.warn("a warning the user should see")
"""


@pytest.mark.parametrize(
    "verbose, user_level, shown",
    [(False, None, []), (False, "2", ["E0000"]), (True, None, ["WARNING: All log", "I0000", "E0000"])],
)
def test_tensorflow_start_up_lines_are_held_back_and_python_warnings_shown(verbose, user_level, shown, tmp_path):
    (tmp_path / "tensorflow").mkdir()
    (tmp_path / "tensorflow" / "__init__.py").write_text(_FAKE_TENSORFLOW)
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from keras_ae import cli; "
            f"cli.import_tensorflow(cli.tensorflow_log_level({verbose})); print('imported')")
    env = {} if user_level is None else {"TF_CPP_MIN_LOG_LEVEL": user_level}
    result = _python(code, str(tmp_path), drop=("TF_CPP_MIN_LOG_LEVEL",), **env)
    assert result.returncode == 0 and result.stdout == "imported\n", result.stderr
    lines = result.stderr.splitlines()
    tensorflow_lines = [line for line in lines if "warning the user" not in line and "warnings.warn" not in line]
    assert len(tensorflow_lines) == len(shown) and all(map(str.startswith, tensorflow_lines, shown)), lines
    assert any("UserWarning: a warning the user should see" in line for line in lines)


def test_keep_stderr_line():
    info = "I0000 00:00:1796396105.350450    3380 port.cc:153] oneDNN custom operations are on.\n"
    error = "E0000 00:00:1796396474.131300   13424 node_def_util.cc:682] NodeDef mentions attribute\n"
    assert not cli.keep_stderr_line(info, 1) and cli.keep_stderr_line(info, 0)
    assert not cli.keep_stderr_line(error, 3) and cli.keep_stderr_line(error, 2)
    assert cli.keep_stderr_line("/x/y.py:3: UserWarning: something\n", 3)


@pytest.mark.parametrize("terminal, verbose", [(True, 1), (False, 2)])
def test_training_commands_show_a_bar_on_a_terminal_and_a_line_per_epoch_elsewhere(terminal, verbose, monkeypatch,
                                                                                    tmp_path, capsys):
    from keras_ae import anomaly, training

    class Stdout(io.StringIO):
        def isatty(self):
            return terminal

    seen = {}

    def record(command):
        def fit(*args, **kwargs):
            seen[command] = kwargs.get("verbose")
            raise ValueError("stopped here. Received: x=1")
        return fit

    monkeypatch.setattr(training, "train", record("train"))
    monkeypatch.setattr(anomaly, "train_series_detector", record("fit-detector"))
    monkeypatch.setattr(sys, "stdout", Stdout())
    assert cli.main(["train", "conv", "--out", str(tmp_path / "a")]) == 2
    assert cli.main(["fit-detector", "conv1d", "--out", str(tmp_path / "b")]) == 2
    assert seen == {"train": verbose, "fit-detector": verbose}


def test_a_run_from_the_console_prints_no_tensorflow_logs(tmp_path):
    # TensorFlow's start-up lines, its cuInit error without a GPU and the
    # data pipeline's NodeDef errors all stay out; oneDNN's state is recorded
    # (off here: the test plugin's TF_ENABLE_ONEDNN_OPTS=0, a user's setting, wins).
    out = tmp_path / "run"
    environ = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    environ["PYTHONPATH"] = str(REPO)
    result = subprocess.run(
        [sys.executable, "-m", "keras_ae.cli", "train", "dense", "--epochs", "2", "--latent-dim", "2", "--option",
         "units=(8,)", "--train-examples", "256", "--augment", "flip", "--out", str(out)],
        capture_output=True, text=True, env=environ, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2" and len(lines) == 5  # one line per epoch
    assert lines[-1].startswith("dense on mnist_sample: test SSE/image")
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["onednn"] is (os.environ.get("TF_ENABLE_ONEDNN_OPTS") != "0")
    assert metrics["augment"] == "flip"  # --augment reached training


# The scripts around the package: their logs are read as the commands' output is.
_SCRIPTS = sorted((REPO / "benchmarks").glob("*.py")) + [REPO / "zoo" / "recipes.py"]
_LOADS_TENSORFLOW = ("keras", "tensorflow", "keras_ae")


def _quiet_before_tensorflow(script) -> bool:
    """Whether `quiet_tensorflow()` runs before the script's first
    module-level import that loads TensorFlow (keras_ae.cli does not): its
    own call, or the sibling script's it imports first. A script that loads
    TensorFlow only in child processes (cpu_modes.py) has no such import."""
    tree = ast.parse(script.read_text())
    siblings = {path.stem: path for path in _SCRIPTS}
    quiet = None
    for node in tree.body:
        if quiet is None and isinstance(node, ast.Expr) and getattr(node.value, "func", None) is not None \
                and getattr(node.value.func, "id", None) == "quiet_tensorflow":
            quiet = node.lineno
        names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                 else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
        for name in names:
            if name in siblings and quiet is None:
                return _quiet_before_tensorflow(siblings[name])
            if name.split(".")[0] in _LOADS_TENSORFLOW and name != "keras_ae.cli":
                return quiet is not None
    return True


@pytest.mark.parametrize("script", _SCRIPTS, ids=lambda path: path.name)
def test_every_script_loads_tensorflow_as_the_commands_do(script):
    assert _quiet_before_tensorflow(script), f"{script.name}: call quiet_tensorflow() before importing TensorFlow"


def test_a_recipe_run_prints_no_tensorflow_logs():
    environ = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run([sys.executable, str(REPO / "zoo" / "recipes.py"), "--list"], capture_output=True,
                            text=True, env=environ, timeout=300)
    assert result.returncode == 0 and "unet_upscale_grey" in result.stdout, result.stderr
    assert result.stderr == ""
