"""FactorVAE: a VAE penalized by the total correlation of its code, which a
discriminator estimates, trained alongside with its own optimizer. Its
folder holds the model (`factor_vae.py`), what the command line and the zoo
read of it without TensorFlow (`factor_vae_presets.py`) and its test
(`factor_vae_test.py`)."""

from keras_ae.models.factor_vae.factor_vae import FactorVAE

__all__ = ["FactorVAE"]
