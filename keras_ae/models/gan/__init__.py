"""The GAN: a generator against a discriminator, each with its own optimizer,
trained by the two-player objective in one custom `train_step`; and its
conditional form. Its folder holds the model (`gan.py`), what the command
line and the zoo read of it without TensorFlow (`gan_presets.py`) and its
test (`gan_test.py`)."""

from keras_ae.models.gan.gan import GAN, ConditionalGAN

__all__ = ["GAN", "ConditionalGAN"]
