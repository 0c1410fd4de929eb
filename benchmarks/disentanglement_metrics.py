"""The disentanglement metrics on representations whose answers are known.

1. Synthetic: four factors of 3, 4, 5 and 6 classes; the observation is the
   row of classes and the representation one of: "disentangled" (each
   factor standardised in its own unit, units shuffled and rescaled),
   "noise" (independent Gaussian units), "rotated" (a random rotation of
   the standardised factors) and "mixed" (a Hadamard rotation: every unit an
   equal mix of all factors). Published sample counts throughout
   (`keras_ae.disentanglement.DEFAULTS`).
2. dSprites: the procedural generator with the true factor values as the
   representation (each image's values looked up from the factors it was
   drawn from). Rendering 1.9 million images for the beta-VAE score at the
   published counts takes long on a laptop, so the counts here are smaller
   (`DSPRITES_COUNTS`).

    python benchmarks/disentanglement_metrics.py --json benchmarks/results/disentanglement_metrics.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from keras_ae.cli import quiet_tensorflow  # noqa: E402

quiet_tensorflow()

import numpy as np  # noqa: E402
from scipy.linalg import hadamard  # noqa: E402
from scipy.stats import ortho_group  # noqa: E402

from keras_ae import disentanglement as dis  # noqa: E402
from keras_ae.datasets.dsprites import DSprites, GroundTruthData  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SIZES = (3, 4, 5, 6)
PUBLISHED = {
    "beta_vae": dis.DEFAULTS["beta_vae"],
    "factor_vae": dis.DEFAULTS["factor_vae"],
    "codes": {"num_train": 10_000, "num_test": 5_000},
    "dci_stages": 100,
}
DSPRITES_COUNTS = {
    "beta_vae": {"batch_size": 64, "num_train": 2_000, "num_eval": 1_000},
    "factor_vae": {"batch_size": 64, "num_train": 2_000, "num_eval": 1_000, "num_variance_estimate": 5_000,
                   "prune_threshold": 0.05},
    "codes": {"num_train": 10_000, "num_test": 5_000},
    # DCI fits on the first 2,000 training codes: 113 trees per boosting
    # stage (3 + 6 + 40 + 32 + 32 classes) make 10,000 slow.
    "dci_train": 2_000,
    "dci_stages": 100,
}


class FactorsAsObservations(GroundTruthData):
    """Ground-truth data whose observation is the row of factor classes itself."""

    def observations_from_factors(self, factors):
        return self.check_factors(factors).astype("float64")


class RecordingDSprites(DSprites):
    """dSprites remembering the factor values of every image it draws, so a
    representation can return the true values of an image from its pixels
    (orientations 0 and 2 pi draw one picture; it keeps the last seen)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[bytes, np.ndarray] = {}

    def observations_from_factors(self, factors):
        images = super().observations_from_factors(factors)
        for image, values in zip(images, self.factor_values(factors)):
            self.values[np.packbits(image > 0.5).tobytes()] = values
        return images

    def true_values(self, images: np.ndarray) -> np.ndarray:
        return np.array([self.values[np.packbits(image > 0.5).tobytes()] for image in images])


def synthetic_representations(sizes: tuple[int, ...]) -> dict:
    n = np.asarray(sizes, dtype="float64")

    def standardised(x):
        return (x - (n - 1) / 2) / np.sqrt((n**2 - 1) / 12)

    noise = np.random.default_rng(99)
    order = np.roll(np.arange(len(sizes)), 1)
    scales = np.linspace(-3, 2, len(sizes)) + 0.25
    rotation = ortho_group.rvs(len(sizes), random_state=0)
    mix = hadamard(len(sizes)) / np.sqrt(len(sizes))
    return {
        "disentangled": lambda x: standardised(x)[:, order] * scales + 7.0,
        "noise": lambda x: noise.normal(size=(len(x), len(sizes))),
        "rotated": lambda x: standardised(x) @ rotation,
        "mixed": lambda x: standardised(x) @ mix,
    }


def scores(data: GroundTruthData, representation_fn, counts: dict, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    out = {}
    start = time.perf_counter()
    out["beta_vae"] = dis.beta_vae_score(data, representation_fn, rng, **counts["beta_vae"])["eval_accuracy"]
    factor_vae = dis.factor_vae_score(data, representation_fn, rng, **counts["factor_vae"])
    out["factor_vae"] = factor_vae["eval_accuracy"]
    codes, factors = dis.sample_codes(data, representation_fn, counts["codes"]["num_train"], rng)
    test_codes, test_factors = dis.sample_codes(data, representation_fn, counts["codes"]["num_test"], rng)
    out["mig"] = dis.mig(codes, factors)["mig"]
    n = counts.get("dci_train", len(codes))
    result = dis.dci(codes[:n], factors[:n], test_codes, test_factors, n_estimators=counts["dci_stages"])
    out.update({f"dci_{key}": result[key] for key in ("disentanglement", "completeness", "informativeness_test")})
    out["sap"] = dis.sap(codes, factors, test_codes, test_factors)["sap"]
    out["seconds"] = round(time.perf_counter() - start, 1)
    return out


def print_table(title: str, rows: dict) -> None:
    columns = ["beta_vae", "factor_vae", "mig", "dci_disentanglement", "dci_completeness",
               "dci_informativeness_test", "sap", "seconds"]
    short = ["beta-VAE", "FactorVAE", "MIG", "DCI-D", "DCI-C", "DCI-I", "SAP", "s"]
    print(f"\n{title}\n{'representation':18s}" + "".join(f"{c:>10s}" for c in short))
    for name, row in rows.items():
        print(f"{name:18s}" + "".join(f"{row[c]:10.3f}" if c != "seconds" else f"{row[c]:10.1f}" for c in columns))


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", default=str(ROOT / "benchmarks" / "results" / "disentanglement_metrics.json"))
    parser.add_argument("--part", choices=("synthetic", "dsprites", "all"), default="all")
    args = parser.parse_args(argv)

    results: dict = {"counts": {"synthetic": PUBLISHED, "dsprites": DSPRITES_COUNTS}}
    if args.part in ("synthetic", "all"):
        data = FactorsAsObservations(("a", "b", "c", "d"), SIZES)
        results["synthetic"] = {
            name: scores(data, fn, PUBLISHED) for name, fn in synthetic_representations(SIZES).items()
        }
        results["synthetic_chance"] = {
            "beta_vae_and_factor_vae": 1 / len(SIZES),
            "dci_informativeness": float(np.mean([1 / s for s in SIZES])),
        }
        print_table(f"Synthetic factors {SIZES}, published counts (chance: beta-VAE and FactorVAE "
                    f"{1 / len(SIZES):.3f}, DCI-I {results['synthetic_chance']['dci_informativeness']:.3f})",
                    results["synthetic"])
    if args.part in ("dsprites", "all"):
        data = RecordingDSprites()
        results["dsprites_true_factors"] = scores(data, data.true_values, DSPRITES_COUNTS)
        print_table("dSprites, representation = the true factor values",
                    {"true values": results["dsprites_true_factors"]})
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {args.json}")
    return results


if __name__ == "__main__":
    main()
