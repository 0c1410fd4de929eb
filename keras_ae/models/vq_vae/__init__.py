"""The vector-quantized autoencoder (VQ-VAE): a grid of encoder vectors, each
replaced by its nearest codebook entry, and a PixelCNN prior over the grid
of code indices to sample from. Its folder holds the model (`vq_vae.py`),
what the command line and the zoo read of it without TensorFlow
(`vq_vae_presets.py`) and its test (`vq_vae_test.py`)."""

from keras_ae.models.vq_vae.vq_vae import VQVAE

__all__ = ["VQVAE"]
