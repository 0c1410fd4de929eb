"""Restoration helpers: MATLAB-compatible bicubic, luminance, PSNR and SSIM
as the literature measures them, the test sets, and image files in and out
(the library and the `denoise` / `upscale` commands)."""

import numpy as np
import pytest

import keras_ae
from keras_ae import cli, restoration


def test_bicubic_reproduces_the_published_baselines(shared_datasets):
    # Dong et al. (SRCNN), bicubic on Set5 luminance: 33.66 / 30.39 / 28.42 dB.
    images = restoration.load_test_set("Set5", shared_datasets)
    for scale, published in ((2, 33.66), (3, 30.39), (4, 28.42)):
        scores = []
        for image in images.values():
            hr = restoration.modcrop(image[..., 0] / 255.0, scale)
            bicubic = restoration.degrade(hr, scale)
            scores.append(restoration.psnr(restoration.grey_to_luma(hr), restoration.grey_to_luma(bicubic), border=scale))
        assert np.mean(scores) == pytest.approx(published, abs=0.05)


def test_imresize_shapes_constants_and_shrinking():
    image = np.random.default_rng(0).random((31, 20), dtype="float32")
    assert restoration.imresize(image, 3).shape == (93, 60)
    assert restoration.imresize(image, 1 / 3).shape == (11, 7)
    np.testing.assert_allclose(restoration.imresize(np.full((9, 12, 3), 0.4), 0.5), 0.4, atol=1e-6)
    # Shrinking antialiases: a one-pixel checkerboard averages to grey.
    checker = (np.indices((32, 32)).sum(0) % 2).astype("float32")
    assert np.ptp(restoration.imresize(checker, 0.25)[2:-2, 2:-2]) < 0.01
    with pytest.raises(ValueError, match="Received: scale=0"):
        restoration.imresize(image, 0)


def test_colour_conversions_and_measures():
    rgb = np.random.default_rng(0).random((8, 8, 3)).astype("float32")
    np.testing.assert_allclose(restoration.ycbcr_to_rgb(restoration.rgb_to_ycbcr(rgb)), rgb, atol=1e-5)
    white = restoration.rgb_to_ycbcr(np.ones((1, 1, 3)))[0, 0]
    np.testing.assert_allclose(white * 255, [235, 128, 128], atol=1e-3)
    a = np.zeros((10, 10, 1))
    b = a + 0.1
    assert restoration.psnr(a, b) == pytest.approx(20.0)
    b[:2] = 1.0  # a border that the crop leaves out
    assert restoration.psnr(a, b, border=2) == pytest.approx(20.0)
    assert restoration.psnr(a, a) == float("inf")


def test_ssim_matches_scikit_image():
    from skimage.metrics import structural_similarity

    clean = np.random.default_rng(0).random((48, 40))
    noisy = np.clip(clean + 0.1 * np.random.default_rng(1).standard_normal(clean.shape), 0, 1)
    expected = structural_similarity(clean, noisy, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
                                     data_range=1.0)
    assert restoration.ssim(clean[..., None], noisy[..., None]) == pytest.approx(expected, abs=2e-3)
    assert restoration.ssim(clean[..., None], clean[..., None]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="same shape"):
        restoration.ssim(clean[..., None], clean[:10, ..., None])


def test_noise_is_white_and_seeded():
    image = np.zeros((200, 200, 1), "float32")
    noisy = restoration.add_noise(image, 0.1, seed=3)
    assert noisy.std() == pytest.approx(0.1, rel=0.02) and noisy.min() < 0  # unclipped
    np.testing.assert_array_equal(noisy, restoration.add_noise(image, 0.1, seed=3))


def test_test_sets_load_and_say_where_they_looked(shared_datasets, tmp_path):
    bsd = restoration.load_test_set("BSD68", shared_datasets)
    assert len(bsd) == 68 and all(im.shape[-1] == 1 and min(im.shape[:2]) == 321 for im in bsd.values())
    assert {im.shape[-1] for im in restoration.load_test_set("CBSD68", shared_datasets).values()} == {3}
    with pytest.raises(ValueError, match=f"{tmp_path}/denoising/Set5.*Received: data_dir"):
        restoration.load_test_set("Set5", tmp_path)
    with pytest.raises(ValueError, match="Received: test set='Urban100'"):
        restoration.load_test_set("Urban100", shared_datasets)


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    model = keras_ae.ImageToImage((None, None, 1), latent_dim=8, filters=(4,), seed=0)
    path = tmp_path_factory.mktemp("model") / "model.keras"
    model.save(path)
    return model, path


def write_png(path, array):
    from PIL import Image

    Image.fromarray(array).save(path)
    return path


def test_denoise_and_upscale_commands_write_one_png_per_image(saved_model, tmp_path, capsys):
    model, path = saved_model
    rng = np.random.default_rng(0)
    grey = write_png(tmp_path / "grey.png", rng.integers(0, 256, (40, 50), dtype=np.uint8))
    colour = write_png(tmp_path / "colour.png", rng.integers(0, 256, (30, 36, 3), dtype=np.uint8))
    assert cli.main(["denoise", str(path), str(grey), "--out", str(tmp_path / "out")]) == 0
    written = restoration.read_image(tmp_path / "out" / "grey.png")
    expected = model.restore(restoration.read_image(grey))
    np.testing.assert_allclose(written, np.round(expected * 255) / 255, atol=1e-6)
    # A one-channel upscaler enlarges colour through its luminance.
    assert cli.main(["upscale", str(path), str(grey), str(colour), "--scale", "3", "--out", str(tmp_path / "big")]) == 0
    assert restoration.read_image(tmp_path / "big" / "grey.png").shape == (120, 150, 1)
    assert restoration.read_image(tmp_path / "big" / "colour.png").shape == (90, 108, 3)
    assert "Wrote 2 image(s)" in capsys.readouterr().out


@pytest.mark.parametrize("problem, message", [
    ("not_an_image", "not a readable image"),
    ("colour", "takes images of 1 channel"),
    ("tiny", "smaller than the network's receptive field"),
    ("missing", "No image file"),
    ("exists", "exists; pass overwrite"),
])
def test_bad_inputs_fail_clearly_and_write_nothing(saved_model, tmp_path, capsys, problem, message):
    _, path = saved_model
    out = tmp_path / "out"
    good = write_png(tmp_path / "good.png", np.full((40, 40), 128, np.uint8))
    bad = tmp_path / "bad.png"
    if problem == "not_an_image":
        bad.write_text("hello")
    elif problem == "colour":
        write_png(bad, np.zeros((40, 40, 3), np.uint8))
    elif problem == "tiny":
        write_png(bad, np.zeros((5, 40), np.uint8))
    elif problem == "exists":
        out.mkdir()
        (out / "bad.png").write_bytes(b"keep me")
        write_png(bad, np.zeros((40, 40), np.uint8))
    assert cli.main(["denoise", str(path), str(good), str(bad), "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert message in error and "bad.png" in error
    # Checked before writing: the good image was not written either.
    assert not (out / "good.png").exists()
    if problem == "exists":
        assert (out / "bad.png").read_bytes() == b"keep me"


def test_commands_refuse_a_model_that_is_not_image_to_image(tmp_path, capsys):
    image = write_png(tmp_path / "digit.png", np.zeros((28, 28), np.uint8))
    assert cli.main(["denoise", "conv_mnist", str(image), "--out", str(tmp_path / "out")]) == 2
    assert "image-to-image" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_restoration_headlines_recompute_from_a_preset_folder(saved_model, shared_datasets, tmp_path):
    from keras_ae import zoo

    model, _ = saved_model
    headline = {"name": "psnr_upscale", "dataset": "Set5", "scale": 4}
    value = zoo.headline_metric(model, headline, shared_datasets)
    images = restoration.load_test_set("Set5", shared_datasets)
    assert value == pytest.approx(restoration.upscaling_psnr(model, images, 4)["model_psnr"])
    denoised = zoo.headline_metric(model, {"name": "psnr_denoise", "dataset": "Set5", "sigma": 50}, shared_datasets)
    assert denoised == pytest.approx(restoration.denoising_psnr(model, images, 50)["psnr"])
    assert isinstance(value, float) and isinstance(denoised, float)  # as the manifest stores them
