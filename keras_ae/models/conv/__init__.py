"""The convolutional autoencoder: stride-2 Conv2D stages down to a code and
Conv2DTranspose stages back up. Its folder holds the model (`conv.py`), what
the command line and the zoo read of it without TensorFlow
(`conv_presets.py`) and its test (`conv_test.py`)."""

from keras_ae.models.conv.conv import ConvAutoencoder

__all__ = ["ConvAutoencoder"]
