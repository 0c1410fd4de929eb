"""The undercomplete dense autoencoder: an MLP encoder to a small code and its
mirrored decoder, the family the PCA comparison starts from. Its folder
holds the model (`dense.py`), what the command line and the zoo read of it
without TensorFlow (`dense_presets.py`) and its test (`dense_test.py`)."""

from keras_ae.models.dense.dense import DenseAutoencoder

__all__ = ["DenseAutoencoder"]
