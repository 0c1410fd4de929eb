"""Super-resolution on Set5 and Set14 at x2, x3 and x4: an image-to-image
preset against bicubic, beside the published bicubic and SRCNN figures.

Protocol (SRCNN / VDSR): the original cropped to a multiple of the scale,
shrunk and enlarged with MATLAB-compatible bicubic (`keras_ae.restoration.imresize`),
PSNR and SSIM on the luminance (the sets' grey images put on Y's [16, 235]
range) with the scale factor's width of border left out.

    python benchmarks/set5_upscale.py --data-dir ../shared/datasets
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from keras_ae.cli import quiet_tensorflow  # noqa: E402

quiet_tensorflow()

import keras_ae  # noqa: E402
from keras_ae import restoration, training  # noqa: E402

SCALES = (2, 3, 4)
# Dong et al. 2016 (SRCNN, TPAMI), Tables 2 and 3: PSNR in dB on Y.
PUBLISHED = {
    "Set5": {"bicubic": (33.66, 30.39, 28.42), "SRCNN": (36.66, 32.75, 30.49)},
    "Set14": {"bicubic": (30.23, 27.54, 26.00), "SRCNN": (32.45, 29.30, 27.50)},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None, help="folder with denoising/Set5 and denoising/Set14")
    parser.add_argument("--model", default="unet_upscale_grey", help="preset name or .keras file")
    parser.add_argument("--json", default=str(Path(__file__).parent / "results" / "set5_upscale.json"))
    args = parser.parse_args()
    handle = args.model
    model = training.load_saved_model(handle) if handle.endswith(".keras") else keras_ae.from_preset(handle)
    results = {"model": handle, "published": PUBLISHED, "sets": {}}
    lines = ["| set | scale | bicubic (ours) | model (ours) | gain | bicubic (published) | SRCNN (published) |",
             "|---|---|---|---|---|---|---|"]
    for dataset in PUBLISHED:
        images = restoration.load_test_set(dataset, args.data_dir)
        for i, scale in enumerate(SCALES):
            row = restoration.upscaling_psnr(model, images, scale)
            results["sets"].setdefault(dataset, {})[scale] = row
            lines.append(
                f"| {dataset} | x{scale} | {row['bicubic_psnr']:.2f} / {row['bicubic_ssim']:.4f} | "
                f"{row['model_psnr']:.2f} / {row['model_ssim']:.4f} | {row['model_psnr'] - row['bicubic_psnr']:+.2f} dB | "
                f"{PUBLISHED[dataset]['bicubic'][i]:.2f} | {PUBLISHED[dataset]['SRCNN'][i]:.2f} |"
            )
            print(lines[-1], flush=True)
    table = "\n".join(lines)
    print(table)
    results["table"] = table
    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
