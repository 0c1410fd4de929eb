"""The autoencoder families. Each module registers one family; this index
imports them all. A new family is also described, for the command line that
reads it without TensorFlow, in keras_ae/catalog.py (tests/test_cli.py fails
with the entry to add until it is)."""

# Every model goes through this package: a wrong Keras backend is named
# here, not in an obscure error further on.
import keras_ae._backend  # noqa: F401
from keras_ae.models.base import FAMILIES, Autoencoder, TrainedModel, get_family, register_family
from keras_ae.models.dense import DenseAutoencoder
from keras_ae.models.conv import ConvAutoencoder
from keras_ae.models.conv1d import Conv1DAutoencoder
from keras_ae.models.recurrent import RecurrentAutoencoder
from keras_ae.models.transformer import TransformerAutoencoder
from keras_ae.models.denoising import DenoisingAutoencoder
from keras_ae.models.sparse import SparseAutoencoder
from keras_ae.models.contractive import ContractiveAutoencoder
from keras_ae.models.vae import VAE
from keras_ae.models.beta_vae import BetaVAE
from keras_ae.models.beta_tcvae import BetaTCVAE
from keras_ae.models.factor_vae import FactorVAE
from keras_ae.models.cvae import ConditionalVAE
from keras_ae.models.gan import GAN, ConditionalGAN
from keras_ae.models.image_to_image import ImageToImage
from keras_ae.models.vq_vae import VQVAE
from keras_ae.models.mae import MaskedAutoencoder
