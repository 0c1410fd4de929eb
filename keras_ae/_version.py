"""The package's version, in a module that imports nothing: the package,
the run records (`keras_ae.outputs.versions`) and the presets read it."""

__version__ = "0.1.0"
