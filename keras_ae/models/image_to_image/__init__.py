"""The image-to-image family: a fully convolutional encoder-decoder (plain,
U-Net or SegNet style) that restores images of any size: denoising, super-
resolution. Its folder holds the model (`image_to_image.py`), what the
command line and the zoo read of it without TensorFlow
(`image_to_image_presets.py`) and its test (`image_to_image_test.py`)."""

from keras_ae.models.image_to_image.image_to_image import ImageToImage

__all__ = ["ImageToImage"]
