"""The autoencoder families. Each module registers one family; this index is
the only place a new family is added."""

from keras_ae.models.base import FAMILIES, Autoencoder, get_family, register_family
from keras_ae.models.dense import DenseAutoencoder
from keras_ae.models.conv import ConvAutoencoder
from keras_ae.models.conv1d import Conv1DAutoencoder
from keras_ae.models.recurrent import RecurrentAutoencoder
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
