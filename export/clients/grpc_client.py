"""A TF Serving gRPC client for keras_ae models, with `tensorflow-serving-api`
(`pip install "keras-ae[serving]"`).

    python export/clients/grpc_client.py --model vae --signature sample --seed 1 2 3

Builds a `PredictRequest` with one tensor per named input, sends it to the
server's gRPC port (8500) and returns the outputs as NumPy arrays.
"""

from __future__ import annotations

import argparse

import numpy as np
import tensorflow as tf
from tensorflow_serving.apis import predict_pb2

# The dtype each named input of a keras_ae signature takes.
INPUT_DTYPES = {"x": tf.float32, "z": tf.float32, "seed": tf.int64, "label": tf.int32}


def predict_request(model: str, signature: str, **inputs) -> predict_pb2.PredictRequest:
    """A `PredictRequest` for `signature` of `model` with the named inputs."""
    request = predict_pb2.PredictRequest()
    request.model_spec.name = model
    request.model_spec.signature_name = signature
    for name, value in inputs.items():
        request.inputs[name].CopyFrom(tf.make_tensor_proto(np.asarray(value), dtype=INPUT_DTYPES.get(name)))
    return request


def parse_response(response) -> dict[str, np.ndarray]:
    """The outputs of a `PredictResponse` as arrays by name."""
    return {name: tf.make_ndarray(proto) for name, proto in response.outputs.items()}


def predict(host: str, model: str, signature: str, timeout: float = 30.0, **inputs) -> dict[str, np.ndarray]:
    import grpc
    from tensorflow_serving.apis import prediction_service_pb2_grpc

    with grpc.insecure_channel(host) as channel:
        stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
        return parse_response(stub.Predict(predict_request(model, signature, **inputs), timeout))


def main() -> None:
    parser = argparse.ArgumentParser(description="Query a keras_ae model on TF Serving's gRPC port.")
    parser.add_argument("--host", default="localhost:8500")
    parser.add_argument("--model", required=True)
    parser.add_argument("--signature", default="serving_default")
    parser.add_argument("--images", help=".npy of images in [0, 1] (input `x`)")
    parser.add_argument("--seed", type=int, nargs="*")
    parser.add_argument("--label", type=int, nargs="*")
    args = parser.parse_args()
    inputs = {}
    if args.images:
        inputs["x"] = np.load(args.images)
    if args.seed:
        inputs["seed"] = args.seed
    if args.label:
        inputs["label"] = args.label
    for name, value in predict(args.host, args.model, args.signature, **inputs).items():
        print(name, value.shape)


if __name__ == "__main__":
    main()
