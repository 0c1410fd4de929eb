"""Disentanglement on dSprites: a VAE, a beta-VAE, a beta-TCVAE and a
FactorVAE with 10-d codes, the five disentanglement_lib metrics on their mean
codes over several seeds, and a latent traversal of the best model.

Setup of Locatello et al. 2019 ("Challenging common assumptions in the
unsupervised learning of disentangled representations", disentanglement_lib's
`unsupervised_study_v1`): the procedural dSprites (`keras_ae.datasets.dsprites`,
all 737,280 images, binary), the Burgess et al. networks (four 4x4 stride-2
convolutions of 32, 32, 64, 64 filters, a dense 256, 10 latents), Bernoulli
likelihood, Adam 1e-4, batch 64, 300,000 steps (the study's
model_configs/shared.gin and sweep.py, read in disentanglement_lib's
repository; `keras_ae.disentanglement.standard_model`). Models
(`RECIPES`):
  - VAE: beta = 1.
  - beta-VAE: beta = 4, Higgins et al. 2017's dSprites setting (in
    disentanglement_lib's grid {1, 2, 4, 6, 8, 16}).
  - beta-TCVAE: beta = 6 on the total correlation (alpha = gamma = 1), the
    authors' dSprites command (github.com/rtqichen/beta-tcvae README),
    minibatch-weighted sampling, N = 737,280; in disentanglement_lib's
    grid {1, 2, 4, 6, 8, 10}.
  - FactorVAE: gamma = 35, the model of Kim & Mnih 2018's dSprites traversal
    figure as we recall it (not re-checked here) and the library default;
    inside disentanglement_lib's grid {10, 20, 30, 40, 50, 100}.
    Discriminator 6 x 1000 leaky ReLU, Adam 1e-4 (0.5, 0.9). Batch 128: the
    VAE trains on one half, the discriminator's shuffled codes come from the
    other (the paper's 2 x 64).
Every model takes `--steps` optimizer steps at `--learning-rate` (default
100,000 at 1e-4: a third of disentanglement_lib's budget, so that the 12
runs (4 models x 3 seeds) fit in a few hours of one GPU; not yet timed on
one: each run's train.json gives its steps per second. Pass --steps 300000
for the published budget). The metrics use
`keras_ae.disentanglement.DEFAULTS` (disentanglement_lib's sample counts) on
the encoder's mean, with the same evaluation draws for every model;
`--metric-samples` shrinks all but MIG's (which costs only the encoding of
its 10,000 sprites).

On 2 CPU cores a step took about 0.15 s when the CPU table below was
made (FactorVAE's at batch 128 about 0.2 s). On the 2-core AMD EPYC of a
later session it took 0.82 s with TensorFlow's default there (oneDNN off)
and 0.23 s (beta-TCVAE 0.25 s) with oneDNN on, which this script now asks
for (`python benchmarks/dsprites_step_time.py`, see its docstring). Either
way the published budget is out of reach on a CPU. The CPU budget,
2,000 steps at Adam 1e-3 with 1,000-point metrics, ran the 12 models in
80 minutes; its table is a short-training one, not the study's:

    python benchmarks/dsprites_disentanglement.py --steps 2000 --chunk-steps 500 --learning-rate 1e-3 \
        --metric-samples 1000 --out benchmarks/results --runs runs/dsprites_cpu

Writes, under `--out`: dsprites_disentanglement.json (every (model, seed)
result, means and sample standard deviations, the published ranges, the
beta-TCVAE-vs-VAE MIG check), dsprites_disentanglement.md (the table) and
dsprites_disentanglement_traversal.png: the model with the highest mean MIG,
its best seed, each latent unit swept over [-2, 2] from one fixed sprite,
every row labelled with the factor the unit carries most information about
(MIG's normalised mutual information) and the factor of its largest DCI
importance. Trained models stay under `--runs` (`model.keras`, metrics.json);
a run interrupted (or stopped by `--max-minutes`) resumes from its last
`--chunk-steps` backup when the same command is run again, and finished runs
are not trained again.

    python benchmarks/dsprites_disentanglement.py --out benchmarks/results --jit-compile --steps-per-execution 50

Where one command may run only minutes, add `--max-minutes 8` and run it
again until nothing is left pending (the budget is checked between training
chunks and before each run; an evaluation, once started, is not cut). Part of
the metrics runs on the CPU whatever the device (scikit-learn: DCI's boosted
trees on 10,000 codes, the SAP and beta-VAE-score classifiers).
A smoke test of the plumbing (no disentanglement to read from it):

    python benchmarks/dsprites_disentanglement.py --steps 200 --seeds 0 --metric-samples 500 \
        --out /tmp/dsprites_smoke --runs /tmp/dsprites_smoke/runs
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import time
from pathlib import Path

# TensorFlow leaves its oneDNN kernels off on some x86 CPUs (an AMD EPYC
# here), and then the decoder's transposed-convolution gradients take most
# of a CPU step: 0.82 s against 0.23 s with them on (dsprites_step_time.py).
# Set before TensorFlow is imported; an explicit TF_ENABLE_ONEDNN_OPTS wins.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

from keras_ae.cli import quiet_tensorflow  # noqa: E402

quiet_tensorflow()

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_ae import disentanglement as dis  # noqa: E402
from keras_ae import plotting, training  # noqa: E402
from keras_ae.datasets.dsprites import FACTOR_NAMES, DSprites  # noqa: E402
from keras_ae.distribute import Backup  # noqa: E402
from keras_ae.recipes import Recipe  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NAME = "dsprites_disentanglement"
DATASET_SIZE = 737_280
# The study's models (Burgess et al.'s networks, Bernoulli likelihood: what
# dis.standard_model builds), one recipe each; --steps and --learning-rate
# override their fit.
_STUDY = {"kind": "disentanglement", "data": {"dataset": "dsprites"},
          "fit": {"steps": 100_000, "batch_size": 64, "learning_rate": 1e-4, "seed": 0},
          "headline": {"name": "mig", "dataset": "dsprites", "samples": 10_000, "seed": 2019}}
RECIPES = {
    "vae": Recipe(name="dsprites_vae", **_STUDY, summary="VAE",
                  model={"family": "vae", "latent_dim": 10, "options": {"beta": 1.0}}),
    "beta_vae": Recipe(name="dsprites_beta_vae", **_STUDY, summary="beta-VAE",
                       model={"family": "beta_vae", "latent_dim": 10, "options": {"beta": 4.0}}),
    "beta_tcvae": Recipe(name="dsprites_beta_tcvae", **_STUDY, summary="beta-TCVAE", model={
        "family": "beta_tcvae", "latent_dim": 10,
        "options": {"beta": 6.0, "alpha": 1.0, "gamma": 1.0, "dataset_size": DATASET_SIZE}}),
    "factor_vae": Recipe(name="dsprites_factor_vae", **_STUDY, summary="FactorVAE", model={
        "family": "factor_vae", "latent_dim": 10, "options": {"gamma": 35.0, "discriminator_units": (1000,) * 6},
    }).replace(fit={"batch_size": 128}),
}
# The tables' names of the models: their summaries.
NAMES = {key: recipe.summary for key, recipe in RECIPES.items()}
# The same metric draws for every model and seed: differences between rows are the models'.
EVAL_SEED = 2019
METRICS = ("beta_vae", "factor_vae", "mig", "dci_disentanglement", "dci_completeness", "dci_informativeness", "sap")
METRIC_NAMES = {
    "beta_vae": "beta-VAE score", "factor_vae": "FactorVAE score", "mig": "MIG",
    "dci_disentanglement": "DCI disentanglement", "dci_completeness": "DCI completeness",
    "dci_informativeness": "DCI informativeness (test accuracy)", "sap": "SAP",
}
# Locatello et al. 2019 (ICML; arXiv:1811.12359): the spread of each score on
# dSprites over their six methods, their hyperparameter grids and 50 seeds,
# as the per-method violin plots show it (MIG: Fig. 7 of the arXiv version;
# all scores: the appendix figure "score for each method for each score
# (column) and data set (row)"). APPROXIMATE: the paper prints no such
# numbers; these are recalled from the plots, not measured off them here.
# Check them against the figures before quoting. DCI: disentanglement only.
PUBLISHED_RANGES = {
    "beta_vae": (0.6, 0.9), "factor_vae": (0.45, 0.85), "mig": (0.0, 0.4),
    "dci_disentanglement": (0.05, 0.6), "dci_completeness": None, "dci_informativeness": None,
    "sap": (0.0, 0.1),
}
PUBLISHED_NOTE = ("Locatello et al. 2019, dSprites, all methods, hyperparameters and seeds; approximate ranges "
                  "recalled from the violin plots (arXiv:1811.12359 Fig. 7 for MIG, the appendix score-per-method "
                  "figure for the rest), not printed numbers: check before quoting; DCI completeness and "
                  "informativeness not plotted there")
TRAVERSAL_VALUES = np.linspace(-2.0, 2.0, 9)
# A unit whose mean code moves less than this over the data is read as collapsed
# to the prior (disentanglement_lib's FactorVAE-score pruning threshold).
ACTIVE_STD = 0.05
# A factor is read as "on its own unit" when its MIG term (the gap between its
# two most informative units, over its entropy) is at least this.
OWN_UNIT_GAP = 0.1


def metric_counts(samples: int | None) -> dict:
    """disentanglement_lib's sample counts, or all of them scaled to `samples` training points."""
    if samples is None:
        return {**dis.DEFAULTS, "dci_stages": 100}
    half = max(2, samples // 2)
    return {
        "beta_vae": {"batch_size": 64, "num_train": samples, "num_eval": half},
        "factor_vae": {**dis.DEFAULTS["factor_vae"], "num_train": samples, "num_eval": half,
                       "num_variance_estimate": max(2, samples)},
        # MIG costs only the encoding of its points: it keeps the library's 10,000 (fewer bias it upwards).
        "mig": dict(dis.DEFAULTS["mig"]),
        "dci": {"num_train": samples, "num_test": half},
        "sap": {"num_train": samples, "num_test": half},
        "dci_stages": 100,
    }


# === Training ===


class Progress(keras.callbacks.Callback):
    """Records the steps and seconds done after each chunk (so a resumed run
    knows its total) and stops training at the first chunk end past `deadline`.
    Listed before the `Backup`: a chunk that ends in NaN raises here, before
    its weights could replace the last good backup."""

    def __init__(self, path: Path, steps_per_chunk: int, deadline: float):
        super().__init__()
        self.path, self.steps_per_chunk, self.deadline = path, steps_per_chunk, deadline
        self.before = json.loads(path.read_text()) if path.is_file() else {"steps": 0, "train_seconds": 0.0}

    def on_train_begin(self, logs=None):
        self.started = time.perf_counter()
        self.seconds_before = self.before["train_seconds"]

    def on_epoch_end(self, epoch, logs=None):
        logs = {k: float(v) for k, v in (logs or {}).items()}
        if not all(np.isfinite(v) for v in logs.values()):
            raise RuntimeError(f"Training diverged in chunk {epoch + 1} (backup kept from before it): {logs}")
        state = {"steps": (epoch + 1) * self.steps_per_chunk,
                 "train_seconds": round(self.seconds_before + time.perf_counter() - self.started, 1),
                 "logs": logs}
        self.path.write_text(json.dumps(state, indent=1))
        if time.monotonic() > self.deadline:
            self.model.stop_training = True


def build_model(key: str, seed: int, args) -> keras.Model:
    model_spec = RECIPES[key].model
    model = dis.standard_model(model_spec["family"], seed=seed, latent_dim=model_spec["latent_dim"],
                               **model_spec["options"])
    # FactorVAE's discriminator follows --learning-rate too.
    return dis.compile_standard(model, args.learning_rate, jit_compile=args.jit_compile,
                                steps_per_execution=args.steps_per_execution)


def train_run(key: str, seed: int, run_dir: Path, args, deadline: float):
    """The trained model of (key, seed): loaded when already finished, else
    trained (resuming from its backup); None when the time budget ran out first."""
    model_path = run_dir / "model.keras"
    if model_path.is_file():
        trained = json.loads((run_dir / "train.json").read_text())
        if (trained["steps"], trained.get("learning_rate")) != (args.steps, args.learning_rate):
            raise SystemExit(f"{model_path} was trained for {trained['steps']:,} steps at learning rate "
                             f"{trained.get('learning_rate')}, not --steps {args.steps:,} --learning-rate "
                             f"{args.learning_rate}: pass another --runs folder")
        return training.load_saved_model(model_path)
    run_dir.mkdir(parents=True, exist_ok=True)
    chunk = min(args.chunk_steps, args.steps)
    chunks = args.steps // chunk
    spec = {"name": NAMES[key], "batch_size": RECIPES[key].fit["batch_size"]}
    model = build_model(key, seed, args)
    data = DSprites().pipeline(batch_size=spec["batch_size"], shuffle=True, seed=seed).repeat()
    progress = Progress(run_dir / "progress.json", chunk, deadline)
    print(f"[{spec['name']} seed {seed}] training {args.steps:,} steps at batch {spec['batch_size']} "
          f"(resuming from step {progress.before['steps']:,})", flush=True)
    # keep=True: a run stopped by the time budget must find its backup next time.
    callbacks = [keras.callbacks.TerminateOnNaN(), progress, Backup(run_dir / "backup", keep=True)]
    model.fit(data, epochs=chunks, steps_per_epoch=chunk, verbose=2, callbacks=callbacks)
    state = json.loads(progress.path.read_text())
    if state["steps"] < args.steps:
        print(f"[{spec['name']} seed {seed}] stopped at step {state['steps']:,} of {args.steps:,} "
              "(--max-minutes); run the same command again to resume", flush=True)
        return None
    train = {"model": key, "seed": seed, "steps": state["steps"], "batch_size": spec["batch_size"],
             "learning_rate": args.learning_rate,
             "train_seconds": state["train_seconds"],
             "steps_per_second": round(state["steps"] / state["train_seconds"], 1),
             "final_logs": state["logs"], "parameters": int(model.count_params())}
    (run_dir / "train.json").write_text(json.dumps(train, indent=1))
    # The model last, by a rename: its presence means the run is complete.
    staging = run_dir / "model.partial.keras"
    model.save(staging)
    os.replace(staging, model_path)
    shutil.rmtree(run_dir / "backup", ignore_errors=True)
    print(f"[{spec['name']} seed {seed}] trained: {train['steps_per_second']} steps/s, "
          f"final {', '.join(f'{k} {v:.4g}' for k, v in state['logs'].items())}", flush=True)
    return model


# === Evaluation ===


def evaluate_run(model, counts: dict) -> dict:
    """The five metrics on the mean code, with the matrices the traversal labels come from."""
    data = DSprites()
    represent = dis.mean_code_fn(model)

    def rng(i):
        return np.random.default_rng([EVAL_SEED, i])

    seconds, started = {}, time.perf_counter()
    beta = dis.beta_vae_score(data, represent, rng(0), **counts["beta_vae"])
    seconds["beta_vae"], started = time.perf_counter() - started, time.perf_counter()
    factor = dis.factor_vae_score(data, represent, rng(1), **counts["factor_vae"])
    seconds["factor_vae"], started = time.perf_counter() - started, time.perf_counter()
    codes, factors = dis.sample_codes(data, represent, counts["mig"]["num_train"], rng(2))
    mig = dis.mig(codes, factors, num_bins=counts["mig"]["num_bins"])
    seconds["mig"], started = time.perf_counter() - started, time.perf_counter()
    train_codes, train_factors = dis.sample_codes(data, represent, counts["dci"]["num_train"], rng(3))
    test_codes, test_factors = dis.sample_codes(data, represent, counts["dci"]["num_test"], rng(4))
    dci = dis.dci(train_codes, train_factors, test_codes, test_factors, n_estimators=counts["dci_stages"])
    seconds["dci"], started = time.perf_counter() - started, time.perf_counter()
    train_codes, train_factors = dis.sample_codes(data, represent, counts["sap"]["num_train"], rng(5))
    test_codes, test_factors = dis.sample_codes(data, represent, counts["sap"]["num_test"], rng(6))
    sap = dis.sap(train_codes, train_factors, test_codes, test_factors)
    seconds["sap"] = time.perf_counter() - started
    return {
        "beta_vae": beta["eval_accuracy"], "factor_vae": factor["eval_accuracy"], "mig": mig["mig"],
        "dci_disentanglement": dci["disentanglement"], "dci_completeness": dci["completeness"],
        "dci_informativeness": dci["informativeness_test"], "sap": sap["sap"],
        "factor_vae_active_dims": factor["num_active_dims"],
        "mig_per_factor": dict(zip(FACTOR_NAMES, np.round(mig["per_factor"], 4).tolist())),
        # (unit, factor) matrices: mutual information / factor entropy, DCI importance.
        "normalized_mutual_information": (mig["mutual_information"] / mig["factor_entropy"]).round(4).tolist(),
        "dci_importance": dci["importance"].round(5).tolist(),
        "code_std": codes.std(axis=0).round(4).tolist(),
        "metric_seconds": {k: round(v, 1) for k, v in seconds.items()},
    }


# === Summary ===


def summarize(results: dict) -> dict:
    summary = {}
    for key, runs in results.items():
        if not runs:
            continue
        summary[key] = {}
        for metric in METRICS:
            values = np.array([run["metrics"][metric] for run in runs])
            std = float(values.std(ddof=1)) if len(values) > 1 else None
            summary[key][metric] = {"mean": float(values.mean()), "std": std, "n": len(values)}
    return summary


def table(summary: dict) -> str:
    keys = [k for k in RECIPES if k in summary]
    names = " | ".join(NAMES[k] for k in keys)
    header = f"| metric | {names} | Locatello et al. 2019, dSprites (approx., unverified) |"
    lines = [header, "|---|" + "---|" * (len(keys) + 1)]
    for metric in METRICS:
        cells = []
        for k in keys:
            s = summary[k][metric]
            cells.append(f"{s['mean']:.3f} ± {s['std']:.3f}" if s["std"] is not None else f"{s['mean']:.3f} (1 seed)")
        published = PUBLISHED_RANGES[metric]
        cells.append(f"~{published[0]:.2f} to {published[1]:.2f}" if published else "not plotted")
        lines.append(f"| {METRIC_NAMES[metric]} | " + " | ".join(cells) + " |")
    seeds = {k: summary[k]["mig"]["n"] for k in keys}
    lines.append("")
    counted = ", ".join(f"{NAMES[k]} {n}" for k, n in seeds.items())
    lines.append(f"Mean ± sample standard deviation over seeds ({counted}). Published column: {PUBLISHED_NOTE}.")
    return "\n".join(lines)


def unit_readings(metrics: dict) -> list[dict]:
    """For each code unit: the factor of its largest normalised mutual information (MIG's matrix) and of its
    largest DCI importance, or 'inactive' when its mean code barely moves."""
    information = np.array(metrics["normalized_mutual_information"])
    importance = np.array(metrics["dci_importance"])
    readings = []
    for j, std in enumerate(metrics["code_std"]):
        k_mi, k_dci = int(np.argmax(information[j])), int(np.argmax(importance[j]))
        share = importance[j, k_dci] / max(importance[j].sum(), 1e-12)
        readings.append({"unit": j, "active": std >= ACTIVE_STD, "code_std": std,
                         "mig_factor": FACTOR_NAMES[k_mi], "normalized_mi": float(information[j, k_mi]),
                         "dci_factor": FACTOR_NAMES[k_dci], "dci_share": float(share)})
    return readings


def factor_units(metrics: dict) -> dict:
    """The unit MIG credits with each factor (its most informative unit) and the gap to the runner-up."""
    information = np.array(metrics["normalized_mutual_information"])
    units = {}
    for k, name in enumerate(FACTOR_NAMES):
        order = np.argsort(information[:, k])[::-1]
        units[name] = {"unit": int(order[0]), "normalized_mi": float(information[order[0], k]),
                       "gap": float(information[order[0], k] - information[order[1], k])}
    return units


def label(reading: dict) -> str:
    if not reading["active"]:
        return f"z{reading['unit']}: inactive (sd {reading['code_std']:.2f})"
    return (f"z{reading['unit']}: {reading['mig_factor']} MI/H {reading['normalized_mi']:.2f} | "
            f"DCI {reading['dci_factor']} {reading['dci_share']:.2f}")


def draw_traversal(results: dict, summary: dict, runs_dir: Path, out: Path) -> dict | None:
    """The traversal of the best seed of the model with the highest mean MIG."""
    if not summary:
        return None
    best_key = max(summary, key=lambda k: summary[k]["mig"]["mean"])
    best_run = max(results[best_key], key=lambda run: run["metrics"]["mig"])
    model = training.load_saved_model(runs_dir / f"{best_key}_seed{best_run['seed']}" / "model.keras")
    image = DSprites().observations_from_factors(np.array([dis.TRAVERSAL_START]))
    code = model.encode(image)[0][0]
    readings = unit_readings(best_run["metrics"])
    name = NAMES[best_key]
    path = out / f"{NAME}_traversal.png"
    plotting.latent_traversal(
        model, code, path, values=TRAVERSAL_VALUES, row_labels=[label(r) for r in readings],
        title=(f"{name}, seed {best_run['seed']} (best mean MIG {summary[best_key]['mig']['mean']:.3f}; this seed "
               f"{best_run['metrics']['mig']:.3f}): each unit swept over [-2, 2] from an ellipse's mean code.\n"
               "Row label: the factor with the unit's largest mutual information / factor entropy (MIG's matrix), "
               "then its largest DCI importance share"),
    )
    units = factor_units(best_run["metrics"])
    wanted = ("pos_x", "pos_y", "scale", "shape")
    active = {r["unit"] for r in readings if r["active"]}
    separate = (len({units[f]["unit"] for f in wanted}) == len(wanted)
                and all(units[f]["unit"] in active and units[f]["gap"] >= OWN_UNIT_GAP for f in wanted))
    return {"model": best_key, "seed": best_run["seed"], "chosen_by": "highest mean MIG over seeds, then its best seed",
            "picture": str(path), "start_factors": dict(zip(FACTOR_NAMES, dis.TRAVERSAL_START)),
            "values": TRAVERSAL_VALUES.tolist(), "units": readings, "mig_unit_of_each_factor": units,
            "position_scale_shape_on_separate_units": separate,
            "separate_means": (f"pos_x, pos_y, scale and shape each have a different most informative unit (MIG's "
                               f"matrix), every one active, with a MIG gap of at least {OWN_UNIT_GAP}")}


# === Main ===


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None,
                        help="unused: dSprites is drawn on demand (accepted like every benchmark's)")
    parser.add_argument("--steps", type=int, default=_STUDY["fit"]["steps"], help="optimizer steps per model")
    parser.add_argument("--learning-rate", type=float, default=_STUDY["fit"]["learning_rate"],
                        help="Adam's learning rate for every model (and FactorVAE's discriminator)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--models", nargs="+", default=list(RECIPES), choices=list(RECIPES))
    parser.add_argument("--metric-samples", type=int, default=None,
                        help="training points of every metric (default: disentanglement_lib's counts)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results"),
                        help="folder for the JSON, the table and the PNG")
    parser.add_argument("--runs", default=str(ROOT / "runs" / NAME), help="folder for the trained models and backups")
    parser.add_argument("--chunk-steps", type=int, default=5000, help="steps between backups")
    parser.add_argument("--max-minutes", type=float, default=None,
                        help="stop training at the first backup past this wall time (resume by running again)")
    parser.add_argument("--jit-compile", action="store_true", help="compile the train step with XLA")
    parser.add_argument("--steps-per-execution", type=int, default=1)
    parser.add_argument("--precision", default="float32", choices=training.PRECISIONS)
    parser.add_argument("--no-deterministic", action="store_true",
                        help="leave TensorFlow's op determinism off (it is on unless --jit-compile)")
    args = parser.parse_args()
    if args.steps < 1 or args.chunk_steps < 1 or (args.steps > args.chunk_steps and args.steps % args.chunk_steps):
        parser.error(f"--steps must be a positive multiple of --chunk-steps. Received: --steps {args.steps}, "
                     f"--chunk-steps {args.chunk_steps}")
    started = time.monotonic()
    deadline = started + 60 * args.max_minutes if args.max_minutes else math.inf
    if not (args.jit_compile or args.no_deterministic):
        tf.config.experimental.enable_op_determinism()
    keras.mixed_precision.set_global_policy(args.precision)
    out, runs_dir = Path(args.out), Path(args.runs)
    out.mkdir(parents=True, exist_ok=True)
    counts = metric_counts(args.metric_samples)

    results = {key: [] for key in args.models}
    pending = []
    # Seed-major: a budget that runs out still leaves every model with the same seeds done.
    for seed in args.seeds:
        for key in args.models:
            run_dir = runs_dir / f"{key}_seed{seed}"
            metrics_path = run_dir / "metrics.json"
            if metrics_path.is_file():
                run = json.loads(metrics_path.read_text())
                if (run["steps"] == args.steps and run.get("learning_rate") == args.learning_rate
                        and run["metric_counts"] == json.loads(json.dumps(counts))):
                    results[key].append(run)
                    continue
            if time.monotonic() > deadline:
                pending.append(f"{key} seed {seed}")
                continue
            model = train_run(key, seed, run_dir, args, deadline)
            if model is None:
                pending.append(f"{key} seed {seed}")
                continue
            print(f"[{NAMES[key]} seed {seed}] evaluating", flush=True)
            metrics = evaluate_run(model, counts)
            train = json.loads((run_dir / "train.json").read_text())
            run = {**train, "metrics": metrics, "metric_counts": counts}
            metrics_path.write_text(json.dumps(run, indent=1))
            results[key].append(run)
            print(f"[{NAMES[key]} seed {seed}] "
                  + ", ".join(f"{m} {metrics[m]:.3f}" for m in METRICS)
                  + f" (metric seconds {metrics['metric_seconds']})", flush=True)

    summary = summarize(results)
    markdown = table(summary) if summary else "no finished runs"
    check = None
    if "vae" in summary and "beta_tcvae" in summary:
        tc, vae = summary["beta_tcvae"]["mig"], summary["vae"]["mig"]
        check = {"beta_tcvae_mean_mig": tc["mean"], "vae_mean_mig": vae["mean"], "above": tc["mean"] > vae["mean"],
                 "seeds": {"beta_tcvae": tc["n"], "vae": vae["n"]}}
        markdown += (f"\n\nbeta-TCVAE mean MIG {tc['mean']:.3f} vs VAE {vae['mean']:.3f}: "
                     f"{'above' if check['above'] else 'NOT above'} ({tc['n']} and {vae['n']} seeds).")
    traversal = draw_traversal(results, summary, runs_dir, out)
    if traversal:
        units = traversal["mig_unit_of_each_factor"]
        markdown += (f"\n\nTraversal: {NAMES[traversal['model']]} seed {traversal['seed']} "
                     f"({traversal['chosen_by']}). MIG's most informative unit per factor: "
                     + ", ".join(f"{f} z{u['unit']} (MI/H {u['normalized_mi']:.2f}, gap {u['gap']:.2f})"
                                 for f, u in units.items())
                     + f"; position, scale and shape on separate units (distinct active units, each MIG gap >= "
                     f"{OWN_UNIT_GAP}): {traversal['position_scale_shape_on_separate_units']}.")
    if pending:
        markdown += f"\n\nNot finished yet (run the same command again): {', '.join(pending)}."
    print("\n" + markdown, flush=True)
    (out / f"{NAME}.md").write_text(markdown + "\n")
    report = {
        "recipes": {key: RECIPES[key].replace(fit={"steps": args.steps, "learning_rate": args.learning_rate}).to_dict()
                    for key in args.models},
        "seeds": args.seeds, "metric_counts": counts, "eval_seed": EVAL_SEED,
        "runs": results, "summary": summary, "published_ranges": PUBLISHED_RANGES, "published_note": PUBLISHED_NOTE,
        "beta_tcvae_mig_above_vae": check, "traversal": traversal, "pending": pending,
        "settings": {"jit_compile": args.jit_compile, "steps_per_execution": args.steps_per_execution,
                     "precision": args.precision, "deterministic": not (args.jit_compile or args.no_deterministic),
                     "chunk_steps": args.chunk_steps},
        "devices": [d.device_type for d in tf.config.list_physical_devices()], "cpu_threads": os.cpu_count(),
        "versions": training.versions(), "wall_seconds": round(time.monotonic() - started, 1),
    }
    (out / f"{NAME}.json").write_text(json.dumps(report, indent=1, default=str))


if __name__ == "__main__":
    main()
