"""The 1-D convolutional autoencoder for sequences: stride-2 Conv1D stages down
to a code and Conv1DTranspose stages back up. Its folder holds the model
(`conv1d.py`), what the command line and the zoo read of it without
TensorFlow (`conv1d_presets.py`) and its test (`conv1d_test.py`)."""

from keras_ae.models.conv1d.conv1d import Conv1DAutoencoder

__all__ = ["Conv1DAutoencoder"]
