"""The pictures: the plotting functions on arrays, model interpolation, and
`keras-ae plot` end to end on a small VAE with a 2-D code."""

import keras
import numpy as np
import pytest

import keras_ae
from keras_ae import cli, plotting
from keras_ae.outputs import atomic_file

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def vae_2d(tmp_path_factory):
    out = tmp_path_factory.mktemp("plots") / "run"
    status = cli.main(["train", "vae", "--architecture", "dense", "--epochs", "1", "--latent-dim", "2",
                       "--option", "units=(64,)", "--out", str(out)])
    assert status == 0
    return out / "model.keras"


def identity_autoencoder(dim=4):
    """Encoder and decoder are the identity, so interpolated images are the
    interpolated codes themselves."""
    model = keras_ae.DenseAutoencoder((dim,), dim, units=(), output_activation=None)
    for layer in (model.encoder.get_layer("code"), model.decoder.get_layer("output")):
        layer.set_weights([np.eye(dim), np.zeros(dim)])
    return model


def test_normal_quantile_grid():
    grid = plotting.normal_quantile_grid(3)
    assert grid.shape == (9, 2)
    np.testing.assert_allclose(grid[4], [0.0, 0.0], atol=1e-6)
    q = 0.9674216  # the N(0, 1) quantile at 5/6
    np.testing.assert_allclose(grid[0], [-q, q], rtol=1e-5)   # top left
    np.testing.assert_allclose(grid[8], [q, -q], rtol=1e-5)   # bottom right


def test_linear_and_slerp_interpolation():
    model = identity_autoencoder()
    a, b = np.array([1.0, 0, 0, 0], "float32"), np.array([0, 3.0, 0, 0], "float32")
    linear = model.interpolate(a, b, steps=5)
    np.testing.assert_allclose(linear[2], [0.5, 1.5, 0, 0], atol=1e-6)
    slerp = model.interpolate(a, b, steps=5, method="slerp")
    np.testing.assert_allclose(slerp[[0, -1]], [a, b], atol=1e-6)
    # The direction turns at a constant rate; the norm goes linearly 1 -> 3.
    np.testing.assert_allclose(np.linalg.norm(slerp, axis=1), np.linspace(1, 3, 5), rtol=1e-5)
    angles = np.arctan2(slerp[:, 1], slerp[:, 0])
    np.testing.assert_allclose(np.diff(angles), np.pi / 8, rtol=1e-5)


@pytest.mark.parametrize("kwargs, message", [({"steps": 1}, "steps=1"), ({"method": "cubic"}, "method='cubic'")])
def test_bad_interpolation(kwargs, message):
    model = identity_autoencoder()
    with pytest.raises(ValueError, match=message):
        model.interpolate(np.zeros(4), np.ones(4), **kwargs)
    with pytest.raises(ValueError, match="Received: a with shape"):
        model.interpolate(np.zeros(5), np.ones(4))


@pytest.mark.parametrize("kind", ["reconstructions", "samples", "manifold", "scatter", "interpolation"])
def test_plot_command_writes_each_picture(vae_2d, tmp_path, kind):
    out = tmp_path / f"{kind}.png"
    assert cli.main(["plot", kind, str(vae_2d), "--out", str(out), "--n", "6"]) == 0
    assert out.read_bytes()[:8] == PNG
    assert [p.name for p in tmp_path.iterdir()] == [out.name]


def test_manifold_of_a_wider_code_fails_cleanly(tmp_path, capsys):
    keras.utils.set_random_seed(0)
    model = keras_ae.VAE.from_spec((28, 28, 1), 3, architecture="dense", architecture_options={"units": (16,)})
    model.save(tmp_path / "model.keras")
    assert cli.main(["plot", "manifold", str(tmp_path / "model.keras")]) == 2
    assert "Received: a model with latent_dim=3" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.keras"]


def test_samples_need_a_prior(tmp_path, capsys):
    keras_ae.DenseAutoencoder((28, 28, 1), 2, units=(8,)).save(tmp_path / "model.keras")
    assert cli.main(["plot", "samples", str(tmp_path / "model.keras")]) == 2
    assert "Received: kind='samples'" in capsys.readouterr().err


def test_atomic_file_leaves_nothing_on_failure(tmp_path):
    with pytest.raises(RuntimeError):
        with atomic_file(tmp_path / "picture.png") as staging:
            staging.write_bytes(b"half")
            raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []


def test_plot_kinds_match_the_cli():
    from keras_ae import pictures

    assert cli.PLOTS == pictures.KINDS


def test_traversal_codes_move_one_unit_per_row():
    code = np.array([0.5, -1.0, 2.0], "float32")
    codes = plotting.traversal_codes(code, [-1.0, 0.0, 1.0, 3.0])
    assert codes.shape == (3, 4, 3)
    for d in range(3):
        np.testing.assert_array_equal(codes[d, :, d], [-1.0, 0.0, 1.0, 3.0])
        np.testing.assert_array_equal(np.delete(codes[d], d, axis=1), np.tile(np.delete(code, d), (4, 1)))


def test_latent_traversal_decodes_each_row(tmp_path):
    keras.utils.set_random_seed(0)
    model = keras_ae.DenseAutoencoder((8, 8, 1), 3, units=())
    code = np.array([0.1, -0.2, 0.3], "float32")
    images = plotting.latent_traversal(model, code, tmp_path / "traversal.png", values=[-1.0, 1.0],
                                       row_labels=["a", "b", "c"], title="three units")
    assert images.shape == (3, 2, 8, 8, 1)
    # Row 1, column 0: unit 1 set to -1, the others as in `code`.
    expected = model.decode(np.array([[0.1, -1.0, 0.3]], "float32"))[0]
    np.testing.assert_allclose(images[1, 0], expected, atol=1e-6)
    assert (tmp_path / "traversal.png").read_bytes().startswith(PNG)


@pytest.mark.parametrize(
    "kwargs, message",
    [({"code": np.zeros(2)}, r"shape \(3,\)"), ({"row_labels": ["a", "b"]}, "Received: 2 labels"),
     ({"values": []}, "values")],
)
def test_bad_traversals(tmp_path, kwargs, message):
    model = keras_ae.DenseAutoencoder((8, 8, 1), 3, units=())
    kwargs = {"code": np.zeros(3), **kwargs}
    with pytest.raises(ValueError, match=message):
        plotting.latent_traversal(model, path=tmp_path / "t.png", **kwargs)
    assert not (tmp_path / "t.png").exists()
