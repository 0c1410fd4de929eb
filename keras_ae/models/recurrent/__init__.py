"""The recurrent autoencoder: an LSTM/GRU sequence-to-vector encoder and a
vector-to-sequence decoder, repeat-vector or teacher-forced autoregressive.
Its folder holds the model (`recurrent.py`), what the command line and the
zoo read of it without TensorFlow (`recurrent_presets.py`) and its test
(`recurrent_test.py`)."""

from keras_ae.models.recurrent.recurrent import RecurrentAutoencoder

__all__ = ["RecurrentAutoencoder"]
