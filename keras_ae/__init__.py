"""keras-ae: the autoencoder model zoo for Keras 3 and TensorFlow.

The public names (`keras_ae.ConvAutoencoder`, `keras_ae.FAMILIES`,
`from keras_ae import VAE`, ...) load on first use, not on import: the
`keras-ae` command lives in this package and must answer a mistyped argument
before TensorFlow's seconds of start-up. The first use loads what
`import keras_ae` always loaded (every family, registered with Keras) after
checking that Keras runs on TensorFlow. When Keras is already imported, there
is nothing to save and the package loads at once, so `import keras, keras_ae`
registers the families as it always did; when Keras is imported later, the
package loads right after it (`_LoadAfterKeras`).
"""

import importlib
import importlib.util
import os
import pkgutil
import sys

from keras_ae import catalog as _catalog  # light: it imports neither Keras nor TensorFlow
from keras_ae._version import __version__  # noqa: F401

# TensorFlow's oneDNN CPU kernels, on for every run that imports keras_ae
# before TensorFlow: TensorFlow turns them on by itself only on some CPUs
# (AVX-512 with VNNI), and leaves them off on others (AVX2-only AMD CPUs)
# where a convolutional autoencoder then trains about 3.7x slower. TensorFlow
# reads the variable when it is imported, so a later setting would do
# nothing; a user's own TF_ENABLE_ONEDNN_OPTS always wins.
if "tensorflow" not in sys.modules:
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

# Submodule -> the names this package re-exports from it, loaded together on
# first use as `import keras_ae` used to load them.
_EXPORTS = {
    # The base classes, the registry, and every family folder's classes
    # (read from the folders' `__all__` without importing them).
    "keras_ae.models": ("FAMILIES", "Autoencoder", *_catalog.family_classes(), "get_family"),
    "keras_ae.zoo": ("from_preset", "list_presets", "upload_preset"),
}
_SUBMODULES = ("blocks", "latent", "losses", "models", "anomaly", "patch_features", "timeseries")
# Submodules that import neither Keras nor TensorFlow (the command line's).
_LIGHT = frozenset({"catalog", "cli", "hub", "outputs", "validation"})

__all__ = [*_SUBMODULES, *(name for names in _EXPORTS.values() for name in names)]

_loading = False


def _load() -> None:
    """Imports the public API into this module's namespace (once)."""
    global _loading
    if _loading or "FAMILIES" in globals():  # loaded, or a submodule being loaded asks
        return
    _loading = True
    try:
        _load_api()
    finally:
        _loading = False


def _load_api() -> None:
    import keras_ae._backend  # noqa: F401  (the backend check)

    for name in _SUBMODULES:
        importlib.import_module(f"keras_ae.{name}")  # sets keras_ae.<name>
    for module_name, names in _EXPORTS.items():
        module = importlib.import_module(module_name)
        globals().update({name: getattr(module, name) for name in names})


def _importing() -> bool:
    """Whether one of the package's modules is being imported: loading
    everything from the middle of that would meet half-made modules."""
    return any(getattr(getattr(m, "__spec__", None), "_initializing", False)
               for n, m in list(sys.modules.items()) if n.startswith("keras_ae."))


def __getattr__(name: str):
    # Called only for names not yet in the namespace (PEP 562).
    submodule = not name.startswith("_") and any(m.name == name for m in pkgutil.iter_modules(__path__))
    if submodule and _importing():
        # `from keras_ae import losses` inside a module of the package: that
        # submodule alone, as the import chain asks for what it needs.
        return importlib.import_module(f"keras_ae.{name}")
    if name in __all__:
        _load()
        if name in globals():  # not while the package is still loading
            return globals()[name]
    if submodule:
        if name not in _LIGHT:
            _load()
        return importlib.import_module(f"keras_ae.{name}")
    raise AttributeError(f"module 'keras_ae' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


class _LoadAfterKeras:
    """Loads the package as soon as Keras has been imported, when that
    happens after `import keras_ae`: `keras.saving.load_model` finds the
    families only once they are registered, and a user who writes
    `import keras_ae` then `import keras` has no reason to touch a keras_ae
    name first. A meta-path finder that answers for "keras" alone, once:
    it runs Keras's own loader, then the package's."""

    @classmethod
    def find_spec(cls, fullname, path=None, target=None):
        if fullname != "keras":
            return None
        sys.meta_path.remove(cls)
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        run_keras = spec.loader.exec_module

        def exec_module(module):
            run_keras(module)
            # Keras imported by one of our own modules while it loads: that
            # import chain registers what it needs, and loading everything
            # from the middle of it would meet half-made modules.
            if not _importing():
                _load()

        spec.loader.exec_module = exec_module
        return spec


if "keras" in sys.modules:
    _load()
else:
    sys.meta_path.insert(0, _LoadAfterKeras)
