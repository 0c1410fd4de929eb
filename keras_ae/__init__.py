"""keras-ae: the autoencoder model zoo for Keras 3 and TensorFlow."""

import keras as _keras

if _keras.backend.backend() != "tensorflow":
    raise ImportError(
        "keras_ae runs on the TensorFlow backend. Set KERAS_BACKEND=tensorflow. "
        f"Received: backend={_keras.backend.backend()!r}"
    )

from keras_ae import blocks, latent, losses, models  # noqa: E402
from keras_ae import anomaly, patch_features, timeseries  # noqa: E402
from keras_ae.models import (  # noqa: E402
    FAMILIES,
    Autoencoder,
    ContractiveAutoencoder,
    ConvAutoencoder,
    Conv1DAutoencoder,
    RecurrentAutoencoder,
    DenoisingAutoencoder,
    DenseAutoencoder,
    SparseAutoencoder,
    VAE,
    BetaVAE,
    BetaTCVAE,
    FactorVAE,
    ConditionalGAN,
    ConditionalVAE,
    GAN,
    ImageToImage,
    get_family,
)
from keras_ae.zoo import from_preset, list_presets  # noqa: E402

__version__ = "0.1.0"
