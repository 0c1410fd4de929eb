"""The conditional VAE: encoder and decoder both see a one-hot label, so the
code keeps only what the label does not say, and `generate(labels)` draws
examples of chosen classes. Its folder holds the model (`cvae.py`), what the
command line and the zoo read of it without TensorFlow (`cvae_presets.py`)
and its test (`cvae_test.py`)."""

from keras_ae.models.cvae.cvae import ConditionalVAE

__all__ = ["ConditionalVAE"]
