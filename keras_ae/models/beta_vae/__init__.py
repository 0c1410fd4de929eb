"""The beta-VAE: a VAE whose KL term is weighted (beta > 1) or pinned to a
rising capacity, trading reconstruction for disentangled code units. Its
folder holds the model (`beta_vae.py`), what the command line and the zoo
read of it without TensorFlow (`beta_vae_presets.py`) and its test
(`beta_vae_test.py`)."""

from keras_ae.models.beta_vae.beta_vae import BetaVAE

__all__ = ["BetaVAE"]
