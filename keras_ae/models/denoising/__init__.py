"""The denoising autoencoder: the input is corrupted during training only, and
the target stays the clean example, so the model learns to remove noise. Its
folder holds the model (`denoising.py`), what the command line and the zoo
read of it without TensorFlow (`denoising_presets.py`) and its test
(`denoising_test.py`)."""

from keras_ae.models.denoising.denoising import DenoisingAutoencoder

__all__ = ["DenoisingAutoencoder"]
