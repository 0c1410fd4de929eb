"""The transformer autoencoder for sequences: a pre-LN self-attention encoder
pooled to a code, and learned per-step queries that read it back out. Its
folder holds the model (`transformer.py`), what the command line and the zoo
read of it without TensorFlow (`transformer_presets.py`) and its test
(`transformer_test.py`)."""

from keras_ae.models.transformer.transformer import TransformerAutoencoder

__all__ = ["TransformerAutoencoder"]
