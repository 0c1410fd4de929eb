"""The `keras-ae` command: `train`, `evaluate`, `plot`, `export`, `fit-detector`,
`detect`, `denoise`, `upscale`, `zoo` and `families`.

Errors in what the user typed end the command with status 2 and one line
naming the argument and the value; nothing is left half-written. Those that
can be seen without a model (names, options, paths) are answered before
TensorFlow is imported, which takes seconds. TensorFlow's own C++ logging
stays off the console unless `--verbose` or the user's TF_CPP_MIN_LOG_LEVEL
asks for it.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import sys

# Nothing here imports TensorFlow at module level: argument errors must
# answer before it loads (keras_ae's __init__ loads it lazily too).
from keras_ae import catalog
from keras_ae.outputs import check_output_dir
from keras_ae.validation import check_choice, check_positive_int

# A value that is not a Python literal is kept as a string if it is a bare
# word (cell=gru, noise=salt_and_pepper); anything else is a typo.
_BARE_WORD = re.compile(r"[A-Za-z_][\w.\-]*")


def _option(text: str) -> tuple[str, object]:
    """`key=value` with a Python literal value (strings may be bare)."""
    key, sep, raw = text.partition("=")
    if not sep or not key.isidentifier():
        raise argparse.ArgumentTypeError(f"expected key=value. Received: {text!r}")
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        if not _BARE_WORD.fullmatch(raw):
            raise argparse.ArgumentTypeError(
                f"`{key}` must be a Python literal (a number, tuple, list or quoted string) or a bare word. "
                f"Received: {key}={raw!r}"
            )
        value = raw
    return key, value


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors on one line: its default prints the whole
    usage first, a dozen lines for `train`."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


# The kinds of `keras-ae plot` (keras_ae.pictures.KINDS, kept here so that
# --help answers without importing TensorFlow).
PLOTS = ("reconstructions", "samples", "manifold", "scatter", "interpolation")
# keras_ae.export.FORMATS, PARTS and QUANTIZATIONS, likewise.
EXPORT_FORMATS = ("saved_model", "tflite", "onnx")
EXPORT_PARTS = ("full", "encoder", "decoder")
EXPORT_QUANTIZATIONS = ("float32", "float16", "dynamic", "int8")
# keras_ae.distribute.STRATEGIES and keras_ae.training.PRECISIONS.
STRATEGIES = ("auto", "one_device", "mirrored", "multi_worker")
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")
# keras_ae.anomaly.THRESHOLD_METHODS less "f1", which needs labels; and
# keras_ae.anomaly.SCORINGS, ERRORS and keras_ae.timeseries.POINT_REDUCTIONS.
DETECTOR_THRESHOLDS = ("max", "sigma", "percentile")
DETECTOR_SCORINGS = ("point", "window")
DETECTOR_REDUCTIONS = ("min", "mean", "max")
DETECTOR_ERRORS = ("mse", "mae")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="keras-ae", description="Train, evaluate and list keras_ae autoencoders."
    )
    parser.add_argument("--verbose", action="store_true", help=VERBOSE_HELP)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    train = commands.add_parser(
        "train",
        help="train a family and write model, history, metrics and a picture",
        description="Train FAMILY on a data set; write model.keras, history.json, "
        "metrics.json (test error beside PCA at the same code size) and "
        "reconstructions.png to --out.",
    )
    train.add_argument("family", help="family name (see `keras-ae families`)")
    train.add_argument("--dataset", default="mnist_sample", help="data set name (default: the embedded MNIST sample)")
    train.add_argument("--data-dir", help="folder with the data set's files (else KERAS_AE_DATA_DIR, the Keras cache, TFDS)")
    train.add_argument("--epochs", type=int, default=10)
    train.add_argument("--batch-size", type=int, default=32)
    train.add_argument("--latent-dim", type=int, default=32)
    train.add_argument("--learning-rate", type=float, default=None, help="Adam's step (default 1e-3; 2e-4 for a GAN)")
    train.add_argument("--lr-schedule", choices=("constant", "cosine"), default="constant",
                       help="constant step, or cosine decay to 0 over the run")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--augment", choices=[a for a in catalog.AUGMENTATIONS if a],
                       help="flip: mirror a new half of the training images each epoch (default: none)")
    train.add_argument("--architecture", help="dense or conv (default: the family's)")
    train.add_argument(
        "--option", action="append", type=_option, default=[], metavar="KEY=VALUE",
        help="a family or architecture argument, e.g. noise_level=0.3 or filters=(32,64,128); repeatable",
    )
    train.add_argument("--out", help="run folder (default: runs/FAMILY-DATASET)")
    train.add_argument("--overwrite", action="store_true", help="replace a non-empty --out")
    train.add_argument("--strategy", default="auto", choices=STRATEGIES,
                       help="auto (every GPU, else the CPU) | one_device | mirrored | multi_worker (reads TF_CONFIG); "
                       "--batch-size is the global batch")
    train.add_argument("--precision", default="float32", choices=PRECISIONS, help=" | ".join(PRECISIONS))
    train.add_argument("--jit-compile", action="store_true", help="compile the train step with XLA (needs --no-deterministic)")
    train.add_argument("--no-deterministic", dest="deterministic", action="store_false",
                       help="turn TensorFlow's op determinism off (on by default: the same --seed, the same weights)")
    train.add_argument("--backup-dir", help="back up after every epoch; a killed run started again resumes from here")
    train.add_argument("--train-examples", type=int, help="train on the first N training examples only")

    evaluate = commands.add_parser(
        "evaluate", help="metrics of a saved model on a data set's test split",
        description="Print the test reconstruction error of a saved .keras model "
        "beside PCA at the same code size, as JSON.",
    )
    evaluate.add_argument("model", help="a .keras file or a preset name")
    evaluate.add_argument("--dataset", default="mnist_sample")
    evaluate.add_argument("--data-dir")
    evaluate.add_argument("--batch-size", type=int, default=500)

    plot = commands.add_parser(
        "plot", help="pictures of a saved model: " + ", ".join(PLOTS),
        description="Write one PNG of a saved .keras model: reconstructions of test "
        "examples, samples from the prior, the decoded normal-quantile grid of a 2-D "
        "code (manifold), the test codes coloured by label (scatter), or decoded "
        "codes between two test examples (interpolation).",
    )
    plot.add_argument("kind", choices=PLOTS, metavar="KIND", help=" | ".join(PLOTS))
    plot.add_argument("model", help="a .keras file or a preset name")
    plot.add_argument("--dataset", default="mnist_sample")
    plot.add_argument("--data-dir")
    plot.add_argument("--out", help="PNG path (default: KIND.png beside the model)")
    plot.add_argument("--n", type=int, default=None, help="images, grid side or interpolation steps")
    plot.add_argument("--seed", type=int, default=0)
    plot.add_argument("--method", default="linear", help="interpolation path: linear or slerp")

    export = commands.add_parser(
        "export", help="write a model for TF Serving (SavedModel), phones (LiteRT) or ONNX",
        description="Export a saved .keras model. saved_model: named signatures "
        "(serving_default, encode, decode, sample) in OUT/NAME/VERSION/, the TF Serving "
        "layout, listed in OUT/models.config; a new version never replaces an old one. "
        "tflite: OUT/NAME-PART[-QUANTIZE].tflite of builtin ops only, float32, float16, "
        "dynamic-range or full int8 (calibrated on --dataset's training split). onnx: "
        "OUT/NAME-PART.onnx. An existing file is never overwritten.",
    )
    export.add_argument("model", help="a .keras file or a preset name")
    export.add_argument("--format", default="saved_model", choices=EXPORT_FORMATS, help=" | ".join(EXPORT_FORMATS))
    export.add_argument("--part", default="full", choices=EXPORT_PARTS, help="full | encoder | decoder")
    export.add_argument("--quantize", choices=EXPORT_QUANTIZATIONS, help="tflite only: " + " | ".join(EXPORT_QUANTIZATIONS))
    export.add_argument("--out", required=True, help="the output folder (for saved_model, the serving folder)")
    export.add_argument("--name", help="the model's name (default: the family's name)")
    export.add_argument("--version", type=int, help="saved_model version (default: one more than the highest)")
    export.add_argument("--dataset", default="mnist_sample", help="int8 calibration data (training split)")
    export.add_argument("--data-dir")

    fit_detector = commands.add_parser(
        "fit-detector", help="train a sequence autoencoder on a normal series and save its anomaly detector",
        description="Train FAMILY (recurrent, conv1d or transformer) on the windows of a normal series, "
        "standardized with its own statistics, fit the threshold on it, and save the "
        "detector (model.keras, detector.json) to --out. Default series: NAB's "
        "art_daily_small_noise, shipped with the package. A setting not given is the "
        "benchmarked detector's (benchmarks/nab_anomaly.py, art_daily).",
    )
    fit_detector.add_argument("family", help="recurrent, conv1d or transformer (any family taking (window, features))")
    fit_detector.add_argument("--series", help="CSV with a header and a value column (default: the embedded NAB series)")
    fit_detector.add_argument("--column", default="value")
    # None means the benchmarked setting (catalog.SERIES_DETECTOR_DEFAULTS),
    # filled in by train_series_detector, so the command is the benchmark's.
    bench = catalog.SERIES_DETECTOR_DEFAULTS

    fit_detector.add_argument("--window", type=int, help=f"points per window (default {bench['window']})")
    fit_detector.add_argument("--stride", type=int,
                              help=f"step between windows, in training and scoring (default {bench['stride']})")
    fit_detector.add_argument("--latent-dim", type=int, help=f"default {bench['latent_dim']}")
    fit_detector.add_argument("--epochs", type=int,
                              help=f"at most (early stopping on the last 10%% of windows; default {bench['epochs']})")
    fit_detector.add_argument("--batch-size", type=int, help=f"default {bench['batch_size']}")
    fit_detector.add_argument("--learning-rate", type=float, help=f"Adam's step (default {bench['learning_rate']:g})")
    fit_detector.add_argument("--seed", type=int, help=f"default {bench['seed']}")
    fit_detector.add_argument("--threshold", choices=DETECTOR_THRESHOLDS,
                              help=f"{' | '.join(DETECTOR_THRESHOLDS)} (default {bench['threshold']})")
    fit_detector.add_argument("--k", type=float, help=f"sigma threshold: mean + k std (default {bench['k']:g})")
    fit_detector.add_argument("--percentile", type=float,
                              help=f"percentile threshold (default {bench['percentile']:g})")
    fit_detector.add_argument("--scoring", choices=DETECTOR_SCORINGS,
                              help="point: a point's own error; window: the mean errors of its windows, the "
                              f"threshold then fit on the training windows (default {bench['scoring']})")
    fit_detector.add_argument("--point-reduce", choices=DETECTOR_REDUCTIONS,
                              help=f"how the windows over a point combine (default {bench['point_reduce']})")
    fit_detector.add_argument("--error", choices=DETECTOR_ERRORS, help=f"default {bench['error']}")
    architectures = "; ".join(
        f"{family}: {', '.join(f'{k}={v}' for k, v in options.items())}"
        for family, options in catalog.SERIES_DETECTOR_OPTIONS.items()
    )
    fit_detector.add_argument("--option", action="append", type=_option, default=[], metavar="KEY=VALUE",
                              help="a family argument, e.g. units=(32,) or cell=gru; repeatable; over the "
                              f"benchmarked architecture ({architectures})")
    fit_detector.add_argument("--out", required=True, help="the detector's folder")
    fit_detector.add_argument("--overwrite", action="store_true")

    detect = commands.add_parser(
        "detect", help="score a series with a saved detector: scores, flagged points, a picture",
        description="Score every point of a CSV series with a saved detector and write "
        "scores.csv, anomalies.csv (the flagged points), summary.json and detection.png "
        "to --out. Default series: NAB's art_daily_jumpsup, shipped with the package, "
        "whose labelled anomaly window is then shaded and scored.",
    )
    detect.add_argument("model", help="a detector folder (from `keras-ae fit-detector`)")
    detect.add_argument("--series", help="CSV with a header and a value column (default: the embedded NAB series)")
    detect.add_argument("--column", default="value")
    detect.add_argument("--out", required=True)
    detect.add_argument("--overwrite", action="store_true")

    for action, text in (("denoise", "remove Gaussian noise from image files with an image-to-image model"),
                         ("upscale", "enlarge image files with an image-to-image super-resolution model")):
        sub = commands.add_parser(
            action, help=text,
            description=f"{text[0].upper()}{text[1:]}, writing <name>.png per input into --out. Every input is "
            "checked before anything is written.",
        )
        sub.add_argument("model", help="an image-to-image .keras file or preset name (e.g. unet_"
                                       f"{'denoise_grey' if action == 'denoise' else 'upscale_grey'})")
        sub.add_argument("images", nargs="+", metavar="IMAGE", help="PNG or JPEG files")
        if action == "upscale":
            sub.add_argument("--scale", type=int, default=2, help="enlargement factor (default 2)")
        sub.add_argument("--out", required=True, help="folder for the results")
        sub.add_argument("--overwrite", action="store_true", help="replace results already in --out")

    zoo = commands.add_parser(
        "zoo", help="the pretrained presets: list, show, download, verify, upload",
        description="List the built-in presets, show one's model card, download one into the "
        "cache (sha256-checked), verify the cached or shipped files against the manifest, or "
        "publish a preset folder to a hub.",
    )
    zoo_commands = zoo.add_subparsers(dest="zoo_command", required=True, metavar="ACTION")
    zoo_commands.add_parser("list", help="a table of the presets", description="A table of the presets.")
    for action, text in (("show", "print a preset's model card and metadata"),
                         ("download", "fetch a preset into the cache"),
                         ("verify", "check a preset's files against the manifest")):
        sub = zoo_commands.add_parser(action, help=text, description=text.capitalize() + ".")
        sub.add_argument("name", help="a built-in preset name" + ("" if action == "verify" else
                                      " or a hub handle (hf://OWNER/REPO[@REVISION], kaggle://...)"))
    # --- publishing (keras_ae.hub) ---
    upload = zoo_commands.add_parser(
        "upload", help="publish a preset folder to Hugging Face or Kaggle",
        description="Check a preset folder (every file, its sha256 against metadata.json, a safe-mode "
        "load) and publish it: hf://OWNER/REPO[@BRANCH] (huggingface_hub, the repo created if new) or "
        "kaggle://OWNER/MODEL/FRAMEWORK/VARIATION (kagglehub). Prints the handle to load it by.",
    )
    upload.add_argument("directory", help="the preset folder")
    upload.add_argument("handle", help="hf://OWNER/REPO[@BRANCH] or kaggle://OWNER/MODEL/FRAMEWORK/VARIATION")
    upload.add_argument("--token", help="the hub's token (default: the client's own, e.g. HF_TOKEN)")
    upload.add_argument("--message", help="the commit message or version notes")
    upload.add_argument("--record", action="store_true",
                        help="pin the commit as the built-in preset's revision in the manifest (the release process)")

    commands.add_parser("families", help="list the autoencoder families", description="List the families.")
    # --verbose also after the command; SUPPRESS keeps a sub-command's
    # default from overwriting a --verbose given before it.
    for sub in [*commands.choices.values(), *zoo_commands.choices.values()]:
        if sub is not zoo:
            sub.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS, help=VERBOSE_HELP)
    return parser


VERBOSE_HELP = "show TensorFlow's own log messages (its C++ start-up and data-pipeline lines)"


def _check_arguments(args: argparse.Namespace) -> None:
    """What can be refused without TensorFlow: names, options, numbers and
    paths. Raises ValueError naming the argument and the value."""
    command = args.command
    if getattr(args, "data_dir", None) is not None and not os.path.isdir(args.data_dir):
        raise ValueError(f"`data_dir` must be an existing folder. Received: data_dir='{args.data_dir}'")
    if command in ("evaluate", "plot", "export", "train"):
        check_choice(args.dataset, catalog.DATASETS, "dataset")
    if command in ("evaluate", "plot", "export", "denoise", "upscale"):
        catalog.check_model_path(args.model)
    if command == "train":
        architecture, family_options, network_options = catalog.train_options(args.family, args.architecture)
        catalog.check_options(args.family, architecture, dict(args.option), family_options + network_options)
        for name in ("epochs", "batch_size", "latent_dim", "train_examples"):
            if getattr(args, name) is not None:  # --train-examples: all of them
                check_positive_int(getattr(args, name), name)
        catalog.check_xla(args.jit_compile, args.deterministic)
        args.out = args.out or os.path.join("runs", f"{args.family}-{args.dataset}")
        check_output_dir(args.out, args.overwrite)
    elif command == "fit-detector":
        catalog.check_options(args.family, None, dict(args.option), catalog.detector_options(args.family))
        for name in ("window", "stride", "latent_dim", "epochs", "batch_size"):
            if getattr(args, name) is not None:  # None: the benchmarked setting
                check_positive_int(getattr(args, name), name)
        check_output_dir(args.out, args.overwrite)
    elif command == "detect":
        if not (os.path.isfile(os.path.join(args.model, "detector.json"))
                and os.path.isfile(os.path.join(args.model, "model.keras"))):
            raise ValueError(
                "`model` must be a saved detector's folder (detector.json and model.keras, from "
                f"`keras-ae fit-detector`). Received: model='{args.model}'"
            )
        check_output_dir(args.out, args.overwrite)
    elif command in ("denoise", "upscale"):
        for image in args.images:
            if not os.path.isfile(image):
                # The wording of keras_ae.restoration.read_image, which checks it again.
                raise ValueError(f"No image file at {image}. Received: image='{image}'")
    elif command == "zoo" and args.zoo_command == "upload":
        from keras_ae import hub  # no TensorFlow

        hub.parse_handle(args.handle, "handle")
        if not os.path.isfile(os.path.join(args.directory, "metadata.json")):
            raise ValueError(f"`directory` must be a preset folder (with metadata.json). Received: directory='{args.directory}'")
    elif command == "zoo" and args.zoo_command != "list":
        if "://" in args.name and args.zoo_command != "verify":
            from keras_ae import hub

            hub.parse_handle(args.name)
        else:
            check_choice(args.name, catalog.preset_names(), "preset")
    if getattr(args, "series", None) is not None and not os.path.isfile(args.series):
        raise ValueError(f"`series` must be an existing CSV file. Received: series='{args.series}'")


# TensorFlow's C++ log levels, by the letter that starts an absl log line.
_SEVERITIES = {"I": 0, "W": 1, "E": 2, "F": 3}
# An absl log line: "I0000 00:00:1796396105.350450    3380 port.cc:153] ..."
# (before absl is set up the seconds are those since 1970).
_ABSL_LINE = re.compile(r"([IWEF])\d{4} \d\d:\d\d:\d+\.\d+ +\d+ [^ \]]+:\d+\] ")
_ABSL_PREAMBLE = "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR"


def tensorflow_log_level(verbose: bool) -> int | None:
    """Sets TF_CPP_MIN_LOG_LEVEL before TensorFlow loads and returns the
    level the start-up lines are filtered at (None: left alone).

    3 hides TensorFlow's errors too: the ones it prints during a run are not
    the user's (`NodeDef mentions attribute use_unbounded_threadpool` from
    the data pipeline, `failed call to cuInit` without a GPU), and a real
    failure still reaches the user as a Python exception. `--verbose` leaves
    TensorFlow's logging as it is, and a user's own TF_CPP_MIN_LOG_LEVEL wins.
    """
    if verbose:
        return None
    level = os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return int(level) if level.strip().isdigit() else None


def keep_stderr_line(line: str, level: int) -> bool:
    """Whether a line written to stderr while TensorFlow loads is shown:
    TensorFlow's C++ lines below `level`, and absl's notice that it logs
    them before it is set up, are not."""
    if level > 0 and line.startswith(_ABSL_PREAMBLE):
        return False
    match = _ABSL_LINE.match(line)
    return match is None or _SEVERITIES[match.group(1)] >= level


def import_tensorflow(level: int | None) -> None:
    """Imports TensorFlow, holding back the C++ lines it logs while it loads
    below `level`. Those come before absl's logging is set up, which is
    when TensorFlow applies TF_CPP_MIN_LOG_LEVEL, so they ignore it; the
    file descriptor is captured (the C++ code writes to it directly) and
    everything else written meanwhile, a Python warning say, is shown."""
    if level is None or level <= 0 or "tensorflow" in sys.modules:
        import tensorflow  # noqa: F401
        return
    import tempfile

    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            import tensorflow  # noqa: F401
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            lines = capture.read().decode(errors="replace").splitlines(keepends=True)
            sys.stderr.write("".join(line for line in lines if keep_stderr_line(line, level)))
            sys.stderr.flush()


def quiet_tensorflow() -> None:
    """Loads TensorFlow as the commands do (log level 3 unless the user set
    one, its start-up lines held back), for the scripts around the package
    (the zoo's recipes, the benchmarks), whose logs are read as the
    commands' output is. Call it after setting any other TF_* variable."""
    import_tensorflow(tensorflow_log_level(verbose=False))


def fit_verbosity() -> int:
    """Keras's `fit` verbosity for the training commands: a progress bar on
    a terminal, one line per epoch in a log file or a pipe (where a bar's
    redraws would be a line each)."""
    return 1 if sys.stdout.isatty() else 2


def _run(args: argparse.Namespace) -> None:
    # Imported here so that `--help` and argument errors answer at once.
    import keras_ae
    from keras_ae import evaluation, outputs, training

    if args.command == "families":
        for name, cls in sorted(keras_ae.FAMILIES.items()):
            # The docstring's first sentence, however it is wrapped.
            paragraph = " ".join((cls.__doc__ or "").strip().split("\n\n")[0].split())
            summary = re.split(r"\.\s+(?=[A-Z`])", paragraph)[0].rstrip(".")
            print(f"{name:<12} {cls.__name__:<24} {summary}")
    elif args.command == "train":
        out = args.out  # its default set, and checked, by _check_arguments
        metrics = training.train(
            args.family, args.dataset, epochs=args.epochs, batch_size=args.batch_size,
            latent_dim=args.latent_dim, learning_rate=args.learning_rate, lr_schedule=args.lr_schedule,
            seed=args.seed, architecture=args.architecture, options=dict(args.option), data_dir=args.data_dir,
            out=out, overwrite=args.overwrite, strategy=args.strategy, precision=args.precision,
            jit_compile=args.jit_compile, deterministic=args.deterministic, backup_dir=args.backup_dir,
            train_examples=args.train_examples, augment=args.augment, verbose=fit_verbosity(),
        )
        if metrics.get("chief") is False:
            print(f"Worker done ({metrics['replicas']} replicas in all); the chief writes {out}")
            return
        test, pca = metrics["test"], metrics.get("pca")
        if pca is None:  # a GAN: no reconstruction, the game's end state
            print(
                f"{args.family} on {args.dataset}: test d_loss {test['d_loss']:.3f}, g_loss "
                f"{test['g_loss']:.3f}, D(real) {test['d_real']:.3f}, D(fake) {test['d_fake']:.3f}. Wrote {out}"
            )
            return
        print(
            f"{args.family} on {args.dataset}: test SSE/image {test['sse_per_image']:.3f} "
            f"(PSNR {test['psnr_db']:.2f} dB); PCA with {pca['n_components']} components "
            f"{pca['sse_per_image']:.3f} (PSNR {pca['psnr_db']:.2f} dB). Wrote {out}"
        )
    elif args.command == "evaluate":
        report = evaluation.evaluate(args.model, args.dataset, data_dir=args.data_dir, batch_size=args.batch_size)
        print(json.dumps(report, indent=2))
    elif args.command == "plot":
        from keras_ae import pictures

        out = pictures.plot(
            args.kind, args.model, dataset=args.dataset, data_dir=args.data_dir, out=args.out,
            n=args.n, seed=args.seed, method=args.method,
        )
        print(f"Wrote {out}")
    elif args.command in ("fit-detector", "detect"):
        from keras_ae import anomaly
        from keras_ae.datasets import nab
        from keras_ae.timeseries import read_series_csv

        # Without --series, the embedded NAB series (read once: `detect`
        # also shades and scores its labelled windows).
        embedded = None if args.series else nab.load_series(nab.EMBEDDED_SERIES[0 if args.command == "fit-detector" else 1])
        series = args.series or embedded.source
        if args.command == "fit-detector":
            _, values = read_series_csv(series, args.column)
            detector = anomaly.train_series_detector(
                args.family, values, window=args.window, stride=args.stride, latent_dim=args.latent_dim,
                epochs=args.epochs, batch_size=args.batch_size, learning_rate=args.learning_rate,
                seed=args.seed, options=dict(args.option), threshold=args.threshold, k=args.k,
                percentile=args.percentile, scoring=args.scoring, point_reduce=args.point_reduce,
                error=args.error, verbose=fit_verbosity(),
            )
            detector.save(args.out, overwrite=args.overwrite)
            print(f"Wrote {args.out}: {args.family} detector, window {detector.window} every {detector.stride}, "
                  f"{detector.scoring} scoring, threshold {detector.threshold:.4g} "
                  f"({detector.threshold_method} on {series})")
            return
        detector = anomaly.AnomalyDetector.load(args.model)
        if not isinstance(detector, anomaly.SeriesAnomalyDetector):
            raise ValueError(f"`model` must be a series detector (from `keras-ae fit-detector`). Received: model='{args.model}'")
        windows = embedded.windows if embedded else ()
        summary = anomaly.detect_series(detector, series, args.out, args.column, args.overwrite, windows)
        found = summary.get("against_windows")
        extra = f"; labelled windows found {found['found']}/{found['events']}, false-positive runs {found['false_positive_events']}" if found else ""
        print(f"{summary['flagged_points']} of {summary['points']} points flagged in "
              f"{len(summary['flagged_runs'])} run(s){extra}. Wrote {args.out}")
    elif args.command in ("denoise", "upscale"):
        from keras_ae import restoration

        model = outputs.load_saved_model(args.model)
        written = restoration.restore_files(model, args.images, args.out, task=args.command,
                                            scale=getattr(args, "scale", 1), overwrite=args.overwrite)
        print(f"Wrote {len(written)} image(s) into {args.out}")
    elif args.command == "zoo":
        from keras_ae import zoo

        if args.zoo_command == "list":
            print(zoo.presets_table(), end="")
        elif args.zoo_command == "show":
            folder = zoo.resolve_preset(args.name)
            print((folder / "README.md").read_text())
            print(json.dumps(json.loads((folder / "metadata.json").read_text()), indent=2))
        elif args.zoo_command == "download":
            folder = zoo.resolve_preset(args.name) if "://" in args.name else zoo.download(args.name)
            print(f"Downloaded {args.name} into {folder}")
        elif args.zoo_command == "upload":
            commit = zoo.upload_preset(args.directory, args.handle, token=args.token, message=args.message, record=args.record)
            pinned = f"{args.handle.split('@')[0]}@{commit}" if commit else args.handle
            recorded = "; recorded in the manifest" if args.record else ""
            print(f"Uploaded {args.directory} to {args.handle}: load it with {pinned}{recorded}")
        else:
            print(f"{args.name}: ok ({zoo.verify(args.name)})")
    elif args.command == "export":
        from keras_ae import export

        model = outputs.load_saved_model(args.model)
        representative = labels = None
        if args.quantize == "int8":
            arrays = evaluation.load_matching_arrays(model, args.dataset, args.data_dir)
            representative, labels = arrays.x_train / 255.0, arrays.y_train
        path = export.export_model(
            model, args.out, format=args.format, part=args.part, quantize=args.quantize, name=args.name,
            version=args.version, representative=representative, labels=labels,
        )
        if args.format == "saved_model":
            print(f"Wrote {path} with signatures {', '.join(export.serving_endpoints(model, args.part))}")
        else:
            print(f"Wrote {path} ({path.stat().st_size / 1024:.1f} KiB)")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        _check_arguments(args)
        import_tensorflow(tensorflow_log_level(args.verbose))
        _run(args)
    except ValueError as error:
        # One line: the message names the argument and the value.
        print(f"keras-ae: error: {' '.join(str(error).split())}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
