"""The masked autoencoder (MAE, He et al. 2021): a ViT encoder that reads a
random quarter of an image"s patches, and a light decoder that fills in the
rest. Its folder holds the model (`mae.py`), what the command line and the
zoo read of it without TensorFlow (`mae_presets.py`) and its test
(`mae_test.py`)."""

from keras_ae.models.mae.mae import MaskedAutoencoder

__all__ = ["MaskedAutoencoder"]
