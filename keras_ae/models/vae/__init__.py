"""The variational autoencoder: a Gaussian posterior over codes, the
reparameterization trick, and the negative ELBO as the objective. Its folder
holds the model (`vae.py`), what the command line and the zoo read of it
without TensorFlow (`vae_presets.py`) and its test (`vae_test.py`)."""

from keras_ae.models.vae.vae import VAE

__all__ = ["VAE"]
