"""The beta-TCVAE: a VAE whose KL term is split into index-code mutual
information, total correlation and dimension-wise KL, each with its weight.
Its folder holds the model (`beta_tcvae.py`), what the command line and the
zoo read of it without TensorFlow (`beta_tcvae_presets.py`) and its test
(`beta_tcvae_test.py`)."""

from keras_ae.models.beta_tcvae.beta_tcvae import BetaTCVAE

__all__ = ["BetaTCVAE"]
