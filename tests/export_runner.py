"""Runs every signature of exported SavedModels in a process where keras_ae
cannot be imported, as a server that never installed it would.

    python tests/export_runner.py CASES.npz OUT.npz

CASES holds `<case>/path` (the version folder) and `<case>/<signature>/<input>`
arrays; OUT gets `<case>/<signature>/<output>`.
"""

import importlib.abc
import sys


class _Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "keras_ae" or name.startswith("keras_ae."):
            raise ModuleNotFoundError(f"No module named {name!r} (refused: this process proves independence)")
        return None


sys.meta_path.insert(0, _Refuse())
sys.path = [p for p in sys.path if p not in ("", ".")]

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

cases = dict(np.load(sys.argv[1]))
outputs = {}
for key in [k for k in cases if k.endswith("/path")]:
    case = key[: -len("/path")]
    loaded = tf.saved_model.load(str(cases[key]))
    for signature_name, function in loaded.signatures.items():
        prefix = f"{case}/{signature_name}/"
        inputs = {k[len(prefix):]: tf.constant(v) for k, v in cases.items() if k.startswith(prefix)}
        for name, value in function(**inputs).items():
            outputs[f"{prefix}{name}"] = value.numpy()
assert not any(m == "keras_ae" or m.startswith("keras_ae.") for m in sys.modules)
np.savez(sys.argv[2], **outputs)
