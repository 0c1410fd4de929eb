"""Every family in every deployment format: file size, single-image latency
and accuracy against float32, beside Keras on the same inputs.

Trains each family briefly on the embedded MNIST sample (the figures are
about the formats, not the models), exports the full model as LiteRT
float32, float16, dynamic-range and int8 (calibrated on 200 training
digits) and as ONNX, and runs each on 200 real test digits: the largest
absolute difference from the Keras model, the reconstruction PSNR against
the input (autoencoders), and the median latency of one image over many
calls (LiteRT through the stock ai_edge_litert interpreter, ONNX through
onnxruntime, Keras through `predict` and through a direct call).

    python benchmarks/export_formats.py --json benchmarks/results/export_formats.json
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from keras_ae.cli import quiet_tensorflow  # noqa: E402

quiet_tensorflow()

import numpy as np  # noqa: E402

import keras_ae  # noqa: E402
from keras_ae import datasets, evaluation, export, training  # noqa: E402

QUANTIZATIONS = ("float32", "float16", "dynamic", "int8")


def median_ms(function, repeats: int) -> float:
    function()  # warm-up: first-call allocation and tracing
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return 1000 * float(np.median(times))


def litert_runner(path):
    """A single-image LiteRT call without per-call set-up, as an app runs it."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(path), num_threads=1)
    runner = interpreter.get_signature_runner("serving_default")
    return runner


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=200, help="timed single-image calls per format")
    parser.add_argument("--families", nargs="*", default=sorted(keras_ae.FAMILIES))
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()

    arrays = datasets.load_arrays("mnist_sample")
    x = arrays.x_test[:200].astype("float32") / 255.0
    labels = arrays.y_test[:200].astype("int32")
    calibration = arrays.x_train[:200] / 255.0
    results = {"cpu_threads": os.cpu_count(), "versions": training.versions(), "epochs": args.epochs, "families": {}}
    work = Path(tempfile.mkdtemp(prefix="export-bench-"))
    print(f"{'family':<12} {'format':<16} {'KiB':>8} {'ms/image':>9} {'max |diff|':>11} {'PSNR dB':>8}")
    for family in args.families:
        run = work / family
        training.train(family, "mnist_sample", epochs=args.epochs, latent_dim=16, seed=0, out=run, verbose=0)
        model = training.load_saved_model(run / "model.keras")
        network = export.part_network(model, "full")
        conditional = model.conditional
        generator_only = not hasattr(model, "encoder")
        first = np.random.default_rng(0).standard_normal((len(x), *model.latent_shape)).astype("float32") if generator_only else x
        feeds = {network.inputs[0].name: first, **({"label": labels} if conditional else {})}
        ordered = [feeds[i.name] for i in network.inputs]
        output_name = "decoded" if generator_only else "reconstruction"
        reference = np.asarray(network(ordered if conditional else ordered[0])[output_name])
        one = {k: v[:1] for k, v in feeds.items()}
        one_ordered = [one[i.name] for i in network.inputs]
        rows = {
            "keras predict": {
                "ms_per_image": median_ms(lambda: model.predict(one_ordered if conditional else one_ordered[0], verbose=0), args.repeats // 4),
            },
            "keras call": {
                "ms_per_image": median_ms(lambda: network(one_ordered if conditional else one_ordered[0]), args.repeats),
            },
        }
        predicted = model.predict(ordered if conditional else ordered[0], verbose=0)
        rows["keras predict"].update({"kib": None, "max_abs_diff": float(np.abs(predicted - reference).max()), "output": predicted})
        rows["keras call"].update({"kib": None, "max_abs_diff": 0.0, "output": reference})  # the reference itself
        for quantize in QUANTIZATIONS:
            path = export.export_tflite(model, work / f"{family}-{quantize}.tflite", quantize=quantize,
                                        representative=calibration, labels=arrays.y_train[:200])
            out = export.run_tflite(path, **feeds)[output_name]
            runner = litert_runner(path)
            detail = runner.get_input_details()
            single = {}
            for k, v in one.items():
                d = detail[k]
                if d["dtype"] == np.int8 and v.dtype != np.int8:
                    scale, zero = d["quantization"]
                    v = np.clip(np.round(v / scale + zero), -128, 127)
                single[k] = v.astype(d["dtype"])
            rows[f"litert {quantize}"] = {
                "kib": path.stat().st_size / 1024,
                "ms_per_image": median_ms(lambda: runner(**single), args.repeats),
                "max_abs_diff": float(np.abs(out - reference).max()),
                "output": out,
            }
        import onnxruntime

        onnx_path = export.export_onnx(model, work / f"{family}.onnx")
        session = onnxruntime.InferenceSession(str(onnx_path))
        onnx_out = session.run([output_name], feeds)[0]
        rows["onnx float32"] = {
            "kib": onnx_path.stat().st_size / 1024,
            "ms_per_image": median_ms(lambda: session.run([output_name], one), args.repeats),
            "max_abs_diff": float(np.abs(onnx_out - reference).max()),
            "output": onnx_out,
        }
        for name, row in rows.items():
            output = row.pop("output", None)
            if output is not None and not generator_only:
                row["psnr_db"] = evaluation.reconstruction_report(x, output)["psnr_db"]
            size = "" if row["kib"] is None else f"{row['kib']:8.1f}"
            psnr = f"{row['psnr_db']:8.2f}" if "psnr_db" in row else ""
            print(f"{family:<12} {name:<16} {size:>8} {row['ms_per_image']:9.3f} {row['max_abs_diff']:11.2e} {psnr:>8}")
        int8, f32 = rows["litert int8"], rows["litert float32"]
        summary = {"int8_size_ratio": int8["kib"] / f32["kib"]}
        if not generator_only:
            summary["int8_psnr_drop_db"] = f32["psnr_db"] - int8["psnr_db"]
        results["families"][family] = {"formats": rows, **summary}
        print(f"{family:<12} int8/float32 size {summary['int8_size_ratio']:.2f}"
              + (f", PSNR drop {summary['int8_psnr_drop_db']:.2f} dB" if "int8_psnr_drop_db" in summary else ""))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
