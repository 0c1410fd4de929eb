"""The procedural dSprites against frames of the published data set.

`dsprites_reference.npz` (in the shared data sets) holds 202 published
frames: each shape at its 6 scales and its 40 orientations, and the heart
moving along pos_y and along pos_x. Each frame is drawn by
`keras_ae.datasets.dsprites.DSprites` from the same factors and compared by
intersection-over-union (IoU). Bar: IoU >= 0.9 on every frame.

    python benchmarks/dsprites_reference.py --data-dir ../shared/datasets \
        --json benchmarks/results/dsprites_reference.json --picture benchmarks/results/dsprites_reference.png
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from keras_ae.cli import quiet_tensorflow  # noqa: E402

quiet_tensorflow()

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from keras_ae.datasets.dsprites import DSprites, SHAPE_NAMES  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BAR = 0.9
# The published frames' fixed factors, read off the frames themselves: the
# per-shape arrays sit at pos (0, 0), the rotations at scale 1, everything at
# orientation 0 unless it varies. Columns: shape, scale, orientation, pos_x, pos_y.
REFERENCE_FACTORS: dict[str, np.ndarray] = {}
for _shape, _name in enumerate(SHAPE_NAMES):
    REFERENCE_FACTORS[f"{_name}_scales"] = np.array([[_shape, i, 0, 0, 0] for i in range(6)])
    REFERENCE_FACTORS[f"{_name}_rot"] = np.array([[_shape, 5, i, 0, 0] for i in range(40)])
REFERENCE_FACTORS["heart_posY_posX0_scale1"] = np.array([[2, 5, 0, 0, i] for i in range(32)])
REFERENCE_FACTORS["heart_posX_posY1_scale1"] = np.array([[2, 5, 0, i, 31] for i in range(32)])


def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Intersection-over-union of boolean image stacks, one value per image."""
    inter = np.logical_and(a, b).sum(axis=(1, 2))
    union = np.logical_or(a, b).sum(axis=(1, 2))
    return inter / np.maximum(union, 1)


def compare(reference: dict[str, np.ndarray], data: DSprites) -> tuple[dict, dict]:
    """(IoU summary per reference array, the drawn frames per array)."""
    results, drawn = {}, {}
    for name, factors in REFERENCE_FACTORS.items():
        frames = data.observations_from_factors(factors)[..., 0] > 0.5
        scores = iou(frames, reference[name])
        drawn[name] = frames
        results[name] = {
            "frames": len(scores),
            "iou_min": float(scores.min()),
            "iou_mean": float(scores.mean()),
            "worst_frame": int(scores.argmin()),
            "identical_frames": int((frames == reference[name]).all(axis=(1, 2)).sum()),
        }
    return results, drawn


def crop(image: np.ndarray, factors: np.ndarray) -> np.ndarray:
    """The 32x32 window around the sprite centre, where every pixel difference lies."""
    top, left = (int(16 + 32 * factors[k] / 31) - 16 for k in (4, 3))
    return image[top:top + 32, left:left + 32]


def picture(reference: dict[str, np.ndarray], drawn: dict[str, np.ndarray], results: dict, path: Path) -> None:
    """Per reference array: its worst frame and 3 others, published / drawn /
    difference (white both, red published only, blue drawn only), each
    cropped to the 32x32 pixels around the sprite."""
    names = list(REFERENCE_FACTORS)
    fig, axes = plt.subplots(len(names), 12, figsize=(18, 1.75 * len(names)))
    for row, name in enumerate(names):
        count = len(reference[name])
        picks = [results[name]["worst_frame"], *np.linspace(0, count - 1, 4).astype(int)[[0, 2, 3]]]
        for col, frame in enumerate(picks):
            factors = REFERENCE_FACTORS[name][frame]
            score = iou(drawn[name][frame][None], reference[name][frame][None])[0]
            ref, new = crop(reference[name][frame], factors), crop(drawn[name][frame], factors)
            diff = np.zeros((32, 32, 3))
            diff[ref & new] = 1.0
            diff[ref & ~new] = (0.9, 0.1, 0.1)
            diff[~ref & new] = (0.1, 0.3, 0.9)
            for k, (image, label) in enumerate(((ref, "published"), (new, "drawn"), (diff, f"IoU {score:.3f}"))):
                ax = axes[row, 3 * col + k]
                ax.imshow(image, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
                ax.set_xticks([])
                ax.set_yticks([])
                ax.set_title(f"{label}" if k else f"{name} [{frame}]\n{label}", fontsize=7)
    fig.suptitle("dSprites: published frames beside keras_ae's drawing (red: published only, blue: drawn only)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "datasets"),
                        help="folder holding dsprites_reference.npz")
    parser.add_argument("--json", default=str(ROOT / "benchmarks" / "results" / "dsprites_reference.json"))
    parser.add_argument("--picture", default=str(ROOT / "benchmarks" / "results" / "dsprites_reference.png"))
    args = parser.parse_args(argv)

    with np.load(Path(args.data_dir) / "dsprites_reference.npz") as file:
        reference = {name: file[name] for name in file.files}
    missing = set(REFERENCE_FACTORS) - set(reference)
    if missing:
        raise SystemExit(f"dsprites_reference.npz lacks {sorted(missing)}")
    start = time.perf_counter()
    data = DSprites()
    results, drawn = compare(reference, data)
    seconds = time.perf_counter() - start

    print(f"{'reference array':28s} {'frames':>6s} {'IoU min':>8s} {'IoU mean':>9s} {'identical':>9s}")
    for name, r in results.items():
        print(f"{name:28s} {r['frames']:6d} {r['iou_min']:8.4f} {r['iou_mean']:9.4f} {r['identical_frames']:9d}")
    worst = min(r["iou_min"] for r in results.values())
    print(f"lowest IoU over all {sum(r['frames'] for r in results.values())} frames: {worst:.4f} (bar {BAR})")

    summary = {
        "per_array": results,
        "iou_min": worst,
        "bar": BAR,
        "bar_met": worst >= BAR,
        "seconds": round(seconds, 2),
    }
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(summary, indent=2) + "\n")
    picture(reference, drawn, results, Path(args.picture))
    print(f"wrote {args.json} and {args.picture}")
    return summary


if __name__ == "__main__":
    main()
