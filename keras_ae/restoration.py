"""Image restoration with the image-to-image family: noise, MATLAB-compatible
bicubic resizing, luminance, PSNR and SSIM as the literature measures them, image files."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from keras_ae.validation import check_positive_int

# === Measuring ===


def psnr(reference: np.ndarray, estimate: np.ndarray, border: int = 0, peak: float = 1.0) -> float:
    """Peak signal-to-noise ratio in dB of `estimate` against `reference`
    (same shape, values in [0, peak]), leaving `border` pixels out on every
    side (the super-resolution convention crops the scale factor)."""
    reference, estimate = _same_shape(reference, estimate)
    if border:
        reference, estimate = reference[border:-border, border:-border], estimate[border:-border, border:-border]
    mse = float(np.mean((reference.astype("float64") - estimate.astype("float64")) ** 2))
    return float("inf") if mse == 0 else float(10 * np.log10(peak**2 / mse))


def ssim(reference: np.ndarray, estimate: np.ndarray, border: int = 0) -> float:
    """Structural similarity (Wang et al. 2004: 11x11 Gaussian window of
    sigma 1.5, K1 = 0.01, K2 = 0.03, over the valid part of the image) of
    images in [0, 1]; the mean over channels for colour."""
    import tensorflow as tf

    reference, estimate = _same_shape(reference, estimate)
    if border:
        reference, estimate = reference[border:-border, border:-border], estimate[border:-border, border:-border]
    a, b = (tf.constant(np.atleast_3d(v)[None], dtype=tf.float64) for v in (reference, estimate))
    return float(tf.image.ssim(a, b, max_val=1.0)[0])


def _same_shape(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise ValueError(f"Images to compare must have the same shape. Received: shapes {a.shape} and {b.shape}")
    return a, b


def add_noise(image: np.ndarray, sigma: float, seed: int = 0) -> np.ndarray:
    """`image` plus white Gaussian noise of standard deviation `sigma` (on the
    image's scale), unclipped and unquantized, as denoising benchmarks add it."""
    rng = np.random.default_rng(seed)
    return (image + sigma * rng.standard_normal(image.shape)).astype("float32")


# === Colour ===

# ITU-R BT.601 as MATLAB's rgb2ycbcr applies it to values in [0, 1]: Y in
# [16, 235] / 255. Super-resolution PSNR is customarily measured on this Y.
_YCBCR = np.array([[65.481, 128.553, 24.966], [-37.797, -74.203, 112.0], [112.0, -93.786, -18.214]]) / 255.0
_YCBCR_OFFSET = np.array([16.0, 128.0, 128.0]) / 255.0


def rgb_to_ycbcr(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) RGB in [0, 1] to YCbCr in [0, 1] (MATLAB's rgb2ycbcr)."""
    return (np.asarray(rgb, dtype="float64") @ _YCBCR.T + _YCBCR_OFFSET).astype("float32")


def ycbcr_to_rgb(ycbcr: np.ndarray) -> np.ndarray:
    """The inverse of `rgb_to_ycbcr` (MATLAB's ycbcr2rgb), clipped to [0, 1]."""
    rgb = (np.asarray(ycbcr, dtype="float64") - _YCBCR_OFFSET) @ np.linalg.inv(_YCBCR).T
    return np.clip(rgb, 0.0, 1.0).astype("float32")


def grey_to_luma(grey: np.ndarray) -> np.ndarray:
    """A full-range grey image in [0, 1] on the studio range of Y, [16, 235] / 255."""
    return (16.0 + 219.0 * np.asarray(grey, dtype="float64")) / 255.0


# === Resizing ===


def _cubic(x: np.ndarray) -> np.ndarray:
    absx = np.abs(x)
    return (1.5 * absx**3 - 2.5 * absx**2 + 1) * (absx <= 1) + (
        -0.5 * absx**3 + 2.5 * absx**2 - 4 * absx + 2
    ) * ((absx > 1) & (absx <= 2))


def _contributions(in_length: int, out_length: int, scale: float) -> tuple[np.ndarray, np.ndarray]:
    # MATLAB's imresize: a Keys cubic (a = -0.5), widened by 1 / scale when
    # shrinking (antialiasing), edges mirrored.
    width = 4.0 / scale if scale < 1 else 4.0
    u = np.arange(1, out_length + 1) / scale + 0.5 * (1 - 1 / scale)
    left = np.floor(u - width / 2)
    taps = int(np.ceil(width)) + 2
    indices = left[:, None] + np.arange(taps)[None, :]
    distance = u[:, None] - indices
    weights = scale * _cubic(distance * scale) if scale < 1 else _cubic(distance)
    weights = weights / weights.sum(axis=1, keepdims=True)
    mirror = np.concatenate([np.arange(in_length), np.arange(in_length - 1, -1, -1)])
    indices = mirror[np.mod(indices - 1, mirror.size).astype(int)]
    used = np.any(weights != 0, axis=0)
    return weights[:, used], indices[:, used]


def imresize(image: np.ndarray, scale: float) -> np.ndarray:
    """Bicubic resizing by `scale` as MATLAB's `imresize(image, scale)` does it
    (the super-resolution literature's degradation and baseline): output
    sides `ceil(side * scale)`, antialiased when shrinking. (H, W) or (H, W, C)."""
    if not np.isfinite(scale) or scale <= 0:
        raise ValueError(f"`scale` must be a positive number. Received: scale={scale!r}")
    out = np.asarray(image, dtype="float64")
    for axis in (0, 1):
        length = out.shape[axis]
        weights, indices = _contributions(length, int(np.ceil(length * scale)), scale)
        moved = np.moveaxis(out, axis, 0)
        gathered = moved[indices]  # (out, taps, ...)
        out = np.moveaxis(np.einsum("ot,ot...->o...", weights, gathered), 0, axis)
    return out.astype("float32")


def modcrop(image: np.ndarray, scale: int) -> np.ndarray:
    """Crops the bottom and right so both sides divide by `scale`."""
    h, w = image.shape[:2]
    return image[: h - h % scale, : w - w % scale]


def degrade(image: np.ndarray, scale: int) -> np.ndarray:
    """The super-resolution input of `image`: shrunk by `scale` and enlarged
    back, both bicubic (the SRCNN / VDSR set-up); `image` is cropped first
    with `modcrop`, so the result has its shape."""
    scale = check_positive_int(scale, "scale")
    image = modcrop(image, scale)
    return np.clip(imresize(imresize(image, 1.0 / scale), scale), 0.0, 1.0)


# === Image files ===


def read_image(path: str | os.PathLike) -> np.ndarray:
    """An 8-bit image file as float32 (H, W, 1 or 3) in [0, 1]."""
    from keras_ae.datasets.images import read_image as read_uint8

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"No image file at {path}. Received: image='{path}'")
    return read_uint8(path).astype("float32") / 255.0


def write_image(path: str | os.PathLike, image: np.ndarray) -> Path:
    """Writes (H, W, 1 or 3) values in [0, 1] as an 8-bit PNG, atomically (a
    failed write leaves no partial file)."""
    from PIL import Image

    from keras_ae.outputs import atomic_file

    path = Path(path)
    array = np.round(np.clip(np.asarray(image, dtype="float32"), 0.0, 1.0) * 255.0).astype("uint8")
    array = array[..., 0] if array.shape[-1] == 1 else array
    with atomic_file(path) as staging:
        Image.fromarray(array).save(staging, format="PNG")
    return path


# === Running a model ===


def denoise(model, image: np.ndarray) -> np.ndarray:
    """A denoising model's estimate of the clean `image` (H, W, C) in [0, 1]."""
    return model.restore(image)


def upscale(model, image: np.ndarray, scale: int) -> np.ndarray:
    """`image` (H, W, C) enlarged `scale` times: bicubic, then the model's
    correction. A one-channel model corrects the luminance of a colour image
    and the chroma stays bicubic (as SRCNN and VDSR do)."""
    scale = check_positive_int(scale, "scale")
    enlarged = np.clip(imresize(image, scale), 0.0, 1.0)
    channels = model.data_shape[-1]
    if channels == 1 and enlarged.shape[-1] == 3:
        ycbcr = rgb_to_ycbcr(enlarged)
        # Y spans [16, 235] / 255; the model knows full-range grey.
        luma = (ycbcr[..., :1] * 255.0 - 16.0) / 219.0
        ycbcr[..., :1] = (16.0 + 219.0 * model.restore(np.clip(luma, 0.0, 1.0))) / 255.0
        return ycbcr_to_rgb(ycbcr)
    return model.restore(enlarged)


def restore_files(model, paths, out: str | os.PathLike, task: str = "denoise", scale: int = 2,
                  overwrite: bool = False) -> list[Path]:
    """Denoises or upscales image files into `out` as `<name>.png`, one per
    input. Every input is read and checked, and every output name checked
    free, before anything is written; each file is written atomically."""
    from keras_ae.validation import check_choice

    check_choice(task, ("denoise", "upscale"), "task")
    if task == "upscale":
        scale = check_positive_int(scale, "scale")
    if not hasattr(model, "restore"):
        raise ValueError(f"`model` must be an image-to-image model (keras_ae.ImageToImage). Received: model of class "
                         f"{type(model).__name__}")
    channels = model.data_shape[-1]
    # A one-channel upscaler corrects a colour image's luminance (see `upscale`).
    accepted = (1, 3) if task == "upscale" and channels == 1 else (channels,)
    out = Path(out)
    images, targets = [], []
    for path in map(Path, paths):
        image = read_image(path)
        if image.shape[-1] not in accepted:
            raise ValueError(
                f"The model takes images of {' or '.join(map(str, accepted))} channel(s); {path} has "
                f"{image.shape[-1]}. Received: image='{path}'"
            )
        side = min(image.shape[:2]) * (scale if task == "upscale" else 1)
        if side < model.receptive_field:
            raise ValueError(
                f"{path} is smaller than the network's receptive field ({model.receptive_field} pixels"
                f"{' after upscaling' if task == 'upscale' else ''}). Received: image='{path}' of "
                f"{image.shape[1]}x{image.shape[0]} pixels"
            )
        target = out / f"{path.stem}.png"
        if target in targets:
            raise ValueError(f"Two inputs would both be written to {target}. Received: image='{path}'")
        if target.exists() and not overwrite:
            raise ValueError(f"{target} exists; pass overwrite=True (--overwrite) to replace it. Received: out='{out}'")
        images.append(image)
        targets.append(target)
    out.mkdir(parents=True, exist_ok=True)
    for image, target in zip(images, targets):
        write_image(target, denoise(model, image) if task == "denoise" else upscale(model, image, scale))
    return targets


# === Test sets ===

# The restoration benchmarks' test sets: folders of PNG files, as published.
TEST_SETS: tuple[str, ...] = ("BSD68", "CBSD68", "Set5", "Set14")


def load_test_set(name: str, data_dir: str | os.PathLike | None = None) -> dict[str, np.ndarray]:
    """A restoration test set as `{file name: uint8 (H, W, C)}`, read from
    `DIR/denoising/NAME/*.png` or `DIR/NAME/*.png`, DIR being `data_dir`, else
    the `KERAS_AE_DATA_DIR` environment variable."""
    from keras_ae.datasets.images import read_image as read_uint8
    from keras_ae.datasets.sources import DATA_DIR_ENV
    from keras_ae.validation import check_choice

    check_choice(name, TEST_SETS, "test set")
    roots = [Path(d) for d in (data_dir, os.environ.get(DATA_DIR_ENV)) if d]
    tried = []
    for root in roots:
        for folder in (root / "denoising" / name, root / name):
            files = sorted(folder.glob("*.png"))
            if files:
                return {f.name: read_uint8(f) for f in files}
            tried.append(str(folder))
    raise ValueError(
        f"No PNG files of the {name} test set in: {', '.join(tried) or '(no folder given)'}. Pass `data_dir` (a "
        f"folder with denoising/{name}/*.png) or set {DATA_DIR_ENV}. Received: data_dir={data_dir!r}"
    )


def denoising_psnr(model, images: dict[str, np.ndarray], sigma: float, seed: int = 0) -> dict[str, float]:
    """Mean PSNR and SSIM of `model` denoising each image with white
    Gaussian noise of `sigma` (on the 0-255 scale) added, the noise drawn
    from `seed` + the image's position in the set."""
    scores = [_denoise_scores(model, image, sigma, seed + i) for i, image in enumerate(images.values())]
    return {"psnr": float(np.mean([s[0] for s in scores])), "ssim": float(np.mean([s[1] for s in scores]))}


def _denoise_scores(model, image: np.ndarray, sigma: float, seed: int) -> tuple[float, float]:
    clean = image.astype("float32") / 255.0
    restored = denoise(model, add_noise(clean, sigma / 255.0, seed))
    return psnr(clean, restored), ssim(clean, restored)


def upscaling_psnr(model, images: dict[str, np.ndarray], scale: int) -> dict[str, float]:
    """Mean PSNR and SSIM of `model` and of bicubic upscaling by `scale`, on
    the luminance (grey images put on Y's [16, 235] range), `scale` pixels
    of border left out: the SRCNN / VDSR protocol."""
    rows = []
    for image in images.values():
        hr = modcrop(image.astype("float32") / 255.0, scale)
        grey = hr.shape[-1] == 1
        lr = imresize(hr, 1.0 / scale)
        outputs = {"bicubic": np.clip(imresize(lr, scale), 0.0, 1.0), "model": upscale(model, lr, scale)}
        luma = (lambda v: grey_to_luma(v[..., 0])) if grey else (lambda v: rgb_to_ycbcr(v)[..., 0])
        rows.append({f"{key}_{metric}": fn(luma(hr), luma(out), border=scale)
                     for key, out in outputs.items() for metric, fn in (("psnr", psnr), ("ssim", ssim))})
    return {key: float(np.mean([row[key] for row in rows])) for key in rows[0]}
