"""Gaussian denoising on BSD68 (grey) or CBSD68 (colour) at sigma 15, 25 and 50:
an image-to-image preset against scikit-image's classical denoisers.

Noise: white Gaussian, added to the 8-bit images scaled to [0, 1], unclipped,
drawn with NumPy's default_rng(image index) (as `keras_ae.restoration`
does). The classical denoisers are non-local means, total variation
(Chambolle) and wavelet shrinkage (BayesShrink); each has its smoothing
parameter tuned per noise level on the first `--tune-images` test images
(a grid, best mean PSNR), which favours them. Published figures on the same
sets (BM3D, DnCNN; Zhang et al. 2017, Table 2 / 5) are printed beside.

    python benchmarks/bsd68_denoise.py --data-dir ../shared/datasets
    python benchmarks/bsd68_denoise.py --data-dir ../shared/datasets --colour
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from keras_ae.cli import quiet_tensorflow  # noqa: E402

quiet_tensorflow()

import numpy as np  # noqa: E402

import keras_ae  # noqa: E402
from keras_ae import restoration, training  # noqa: E402

SIGMAS = (15, 25, 50)
# Zhang et al. 2017 (DnCNN), Tables 2 and 5: PSNR in dB.
PUBLISHED = {
    "BSD68": {"BM3D": (31.07, 28.57, 25.62), "DnCNN-S": (31.73, 29.23, 26.23), "DnCNN-B (blind)": (31.61, 29.16, 26.23)},
    "CBSD68": {"CBM3D": (33.52, 30.71, 27.38), "CDnCNN-B (blind)": (33.89, 31.23, 27.92)},
}


def classical(name: str, noisy: np.ndarray, sigma: float, factor: float, colour: bool) -> np.ndarray:
    """One of scikit-image's denoisers, its strength `factor` times the
    noise's standard deviation (`sigma`, on [0, 1])."""
    from skimage import restoration as sk

    axis = -1 if colour else None
    image = noisy if colour else noisy[..., 0]
    if name == "non-local means":
        out = sk.denoise_nl_means(image, h=factor * sigma, sigma=sigma, fast_mode=True, patch_size=5,
                                  patch_distance=6, channel_axis=axis)
    elif name == "total variation":
        out = sk.denoise_tv_chambolle(image, weight=factor * sigma, channel_axis=axis)
    else:
        out = sk.denoise_wavelet(image, sigma=factor * sigma, method="BayesShrink", mode="soft",
                                 rescale_sigma=True, channel_axis=axis)
    out = np.clip(out, 0.0, 1.0).astype("float32")
    return out if colour else out[..., None]


# Grids of each denoiser's strength, as multiples of the noise's sigma.
GRIDS = {
    "non-local means": (0.4, 0.6, 0.8, 1.0, 1.2),
    "total variation": (0.5, 0.75, 1.0, 1.5, 2.0, 3.0),
    "wavelet (BayesShrink)": (0.75, 1.0, 1.25, 1.5, 2.0),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None, help="folder with denoising/BSD68 and denoising/CBSD68")
    parser.add_argument("--colour", action="store_true", help="CBSD68 and the colour preset")
    parser.add_argument("--model", help="preset name or .keras file (default: unet_denoise_grey / _colour)")
    parser.add_argument("--tune-images", type=int, default=8, help="test images the classical denoisers are tuned on")
    parser.add_argument("--images", type=int, help="only the first N test images (a quick check)")
    parser.add_argument("--json", help="write the results here (default: benchmarks/results/<set>_denoise.json)")
    args = parser.parse_args()
    dataset = "CBSD68" if args.colour else "BSD68"
    handle = args.model or ("unet_denoise_colour" if args.colour else "unet_denoise_grey")
    model = keras_ae.from_preset(handle) if not str(handle).endswith(".keras") else training.load_saved_model(handle)
    images = [im.astype("float32") / 255.0 for im in restoration.load_test_set(dataset, args.data_dir).values()][: args.images]
    results = {"dataset": dataset, "images": len(images), "model": str(handle), "tune_images": args.tune_images,
               "published": PUBLISHED[dataset], "sigmas": {}}
    for sigma in SIGMAS:
        noisy = [restoration.add_noise(im, sigma / 255.0, seed=i) for i, im in enumerate(images)]
        row = {"noisy": float(np.mean([restoration.psnr(c, np.clip(n, 0, 1)) for c, n in zip(images, noisy)]))}
        started = time.perf_counter()
        outs = [model.restore(n) for n in noisy]
        row["model"] = {"psnr": float(np.mean([restoration.psnr(c, o) for c, o in zip(images, outs)])),
                        "ssim": float(np.mean([restoration.ssim(c, o) for c, o in zip(images, outs)])),
                        "seconds_per_image": (time.perf_counter() - started) / len(images)}
        for name, grid in GRIDS.items():
            tune = {f: np.mean([restoration.psnr(c, classical(name, n, sigma / 255.0, f, args.colour))
                                for c, n in zip(images[: args.tune_images], noisy[: args.tune_images])]) for f in grid}
            best = max(tune, key=tune.get)
            outs = [classical(name, n, sigma / 255.0, best, args.colour) for n in noisy]
            row[name] = {"psnr": float(np.mean([restoration.psnr(c, o) for c, o in zip(images, outs)])),
                         "ssim": float(np.mean([restoration.ssim(c, o) for c, o in zip(images, outs)])),
                         "strength": best, "tuning_psnr": {str(k): float(v) for k, v in tune.items()}}
        results["sigmas"][sigma] = row
        print(f"sigma {sigma}: " + ", ".join(f"{k} {v['psnr']:.2f}" if isinstance(v, dict) else f"{k} {v:.2f}"
                                              for k, v in row.items()), flush=True)
    methods = ["model", *GRIDS]
    lines = [f"| {dataset} PSNR / SSIM | " + " | ".join(f"sigma {s}" for s in SIGMAS) + " |",
             "|---|" + "---|" * len(SIGMAS)]
    for method in methods:
        label = f"{handle} (ours)" if method == "model" else f"{method}, tuned"
        lines.append(f"| {label} | " + " | ".join(
            f"{results['sigmas'][s][method]['psnr']:.2f} / {results['sigmas'][s][method]['ssim']:.3f}" for s in SIGMAS) + " |")
    for name, figures in PUBLISHED[dataset].items():
        lines.append(f"| {name} (published) | " + " | ".join(f"{v:.2f}" for v in figures) + " |")
    table = "\n".join(lines)
    print(table)
    results["table"] = table
    path = Path(args.json or Path(__file__).parent / "results" / f"{dataset.lower()}_denoise.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
