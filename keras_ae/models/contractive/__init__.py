"""The contractive autoencoder: the squared Frobenius norm of the encoder"s
Jacobian dh/dx is penalised, so the code is insensitive to small changes of
the input (Rifai et al., 2011). Its folder holds the model
(`contractive.py`), what the command line and the zoo read of it without
TensorFlow (`contractive_presets.py`) and its test (`contractive_test.py`)."""

from keras_ae.models.contractive.contractive import ContractiveAutoencoder

__all__ = ["ContractiveAutoencoder"]
