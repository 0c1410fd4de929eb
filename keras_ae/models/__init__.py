"""The autoencoder families, one folder each (`keras_ae/models/<name>/`):
the model, what the command line and the zoo read of it without TensorFlow
(`<name>_presets.py`: its catalog entry and its presets' recipes) and its
test on the shared base. This package imports every folder it finds, which
registers the families and the networks they own, and exports the classes
each folder's `__all__` names: adding a family is adding its folder."""

import importlib

# Every model goes through this package: a wrong Keras backend is named
# here, not in an obscure error further on.
import keras_ae._backend  # noqa: F401
from keras_ae import catalog
from keras_ae.models.base import FAMILIES, Autoencoder, TrainedModel, get_family, register_family  # noqa: F401


def _import_families() -> list[str]:
    exported = []
    for folder in catalog.family_folders():
        package = importlib.import_module(f"keras_ae.models.{folder.name}")
        globals().update({name: getattr(package, name) for name in package.__all__})
        exported += package.__all__
    return exported


__all__ = ["FAMILIES", "Autoencoder", "TrainedModel", "get_family", "register_family", *_import_families()]
