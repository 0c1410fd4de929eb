"""A TF Serving REST client for keras_ae models, on the standard library alone.

    python export/clients/rest_client.py --model vae --signature sample --seed 1 2 3
    python export/clients/rest_client.py --model conv --images digits.npy

Sends `{"signature_name": ..., "instances": [...]}` (the row format: one
object per example, named inputs) to `/v1/models/NAME:predict` and returns
the `predictions` as NumPy arrays.
"""

from __future__ import annotations

import argparse
import json
import urllib.request

import numpy as np


def request_body(signature: str, **inputs) -> dict:
    """The row-format body: one instance per example, each holding every
    named input (`x`, `z`, `seed`, `label`) of that example."""
    arrays = {name: np.asarray(value) for name, value in inputs.items()}
    sizes = {len(a) for a in arrays.values()}
    if len(sizes) != 1:
        raise ValueError(f"Every input needs one entry per example. Received: lengths {sorted(sizes)}")
    rows = [{name: array[i].tolist() for name, array in arrays.items()} for i in range(sizes.pop())]
    return {"signature_name": signature, "instances": rows}


def parse_predictions(response: dict) -> dict[str, np.ndarray]:
    """`predictions` of a row-format response as arrays by output name (a
    signature with one output answers with bare values)."""
    predictions = response["predictions"]
    if predictions and isinstance(predictions[0], dict):
        return {name: np.asarray([row[name] for row in predictions], "float32") for name in predictions[0]}
    return {"output": np.asarray(predictions, "float32")}


def predict(host: str, model: str, signature: str, timeout: float = 30.0, **inputs) -> dict[str, np.ndarray]:
    """POSTs to `http://HOST/v1/models/MODEL:predict` and parses the answer."""
    body = json.dumps(request_body(signature, **inputs)).encode()
    request = urllib.request.Request(
        f"http://{host}/v1/models/{model}:predict", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        return parse_predictions(json.load(answer))


def main() -> None:
    parser = argparse.ArgumentParser(description="Query a keras_ae model on TF Serving's REST port.")
    parser.add_argument("--host", default="localhost:8501")
    parser.add_argument("--model", required=True, help="the model's name in models.config")
    parser.add_argument("--signature", default="serving_default")
    parser.add_argument("--images", help=".npy of images in [0, 1] (input `x`)")
    parser.add_argument("--seed", type=int, nargs="*", help="seeds for the `sample` signature")
    parser.add_argument("--label", type=int, nargs="*", help="class ids, for a conditional model")
    args = parser.parse_args()
    inputs = {}
    if args.images:
        inputs["x"] = np.load(args.images)
    if args.seed:
        inputs["seed"] = np.asarray(args.seed)
    if args.label:
        inputs["label"] = np.asarray(args.label)
    for name, value in predict(args.host, args.model, args.signature, **inputs).items():
        print(name, value.shape)


if __name__ == "__main__":
    main()
