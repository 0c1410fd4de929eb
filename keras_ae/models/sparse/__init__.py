"""The sparse autoencoder: a penalty keeps most code units inactive, either an
L1 activity penalty or the KL divergence towards a target activation rho.
Its folder holds the model (`sparse.py`), what the command line and the zoo
read of it without TensorFlow (`sparse_presets.py`) and its test
(`sparse_test.py`)."""

from keras_ae.models.sparse.sparse import SparseAutoencoder

__all__ = ["SparseAutoencoder"]
