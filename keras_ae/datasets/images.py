"""Image folders (`train/<class>/*.png`, `test/<class>/*.jpg`) read with PIL,
and the resizing shared by every loader when `image_size` is given."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from keras_ae.datasets.arrays import Arrays

IMAGE_SUFFIXES: tuple[str, ...] = (".png", ".jpg", ".jpeg")

# PIL modes read as one grey channel or as RGB; alpha is dropped, not
# composited, as Keras's own image loading does.
_GREY_MODES = {"1", "L", "LA", "La"}
_COLOUR_MODES = {"P", "PA", "RGB", "RGBA", "RGBa", "RGBX", "CMYK", "YCbCr", "LAB", "HSV"}


def read_image(path: Path) -> np.ndarray:
    """One image file as uint8 (H, W, 1) for greyscale or (H, W, 3) for colour."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image.load()
            mode = image.mode
            if mode in _GREY_MODES:
                array = np.asarray(image.convert("L"))[..., np.newaxis]
            elif mode in _COLOUR_MODES:
                # Through RGBA so that palette images with transparency convert
                # without PIL's warning.
                rgb = image.convert("RGBA").convert("RGB") if mode in ("P", "PA") else image.convert("RGB")
                array = np.asarray(rgb)
            else:
                raise ValueError(
                    f"{path} has the PIL image mode {mode!r} (16-bit or floating-point); "
                    "only 8-bit greyscale and colour images are supported"
                )
    except (OSError, UnidentifiedImageError, SyntaxError) as error:
        # PIL raises SyntaxError for some malformed PNG chunks.
        raise ValueError(f"{path} is not a readable image: {error}") from error
    return np.ascontiguousarray(array, dtype=np.uint8)


def resize_image(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(H, W, C) uint8 to (size[0], size[1], C), bilinear with PIL's antialiasing."""
    from PIL import Image

    if image.shape[:2] == tuple(size):
        return image
    pil = Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image)
    resized = np.asarray(pil.resize((size[1], size[0]), Image.Resampling.BILINEAR))
    return resized[..., np.newaxis] if resized.ndim == 2 else resized


def resize_images(x: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(N, H, W, C) uint8 to (N, size[0], size[1], C)."""
    if x.shape[1:3] == tuple(size):
        return x
    out = np.empty((len(x), size[0], size[1], x.shape[-1]), dtype=np.uint8)
    for i, image in enumerate(x):
        out[i] = resize_image(image, size)
    return out


def _list_split(folder: Path, split: str, classes: tuple[str, ...]) -> list[tuple[Path, int]]:
    """(file, label) pairs of one split, sorted by class and file name."""
    split_dir = folder / split
    files = []
    for entry in sorted(split_dir.iterdir()):
        if entry.name.startswith("."):
            continue
        if not entry.is_dir():
            raise ValueError(
                f"Images belong in class sub-folders ({split}/<class>/<image>), but "
                f"{entry} lies directly in {split_dir}"
            )
        if entry.name not in classes:
            raise ValueError(
                f"{entry} is a class the train folder does not have; the classes are the "
                f"sub-folders of {folder / 'train'}: {', '.join(classes)}"
            )
        for file in sorted(entry.iterdir()):
            if file.name.startswith("."):
                continue
            if not file.is_file() or file.suffix.lower() not in IMAGE_SUFFIXES:
                raise ValueError(
                    f"{file} is not an image file; class folders must hold only "
                    f"{', '.join(IMAGE_SUFFIXES)} files"
                )
            files.append((file, classes.index(entry.name)))
    if not files:
        raise ValueError(f"{split_dir} holds no images (expected {split}/<class>/*.png or *.jpg)")
    return files


def read_image_folder(folder: str | Path, image_size: tuple[int, int] | None = None) -> Arrays:
    """`folder/{train,test}/<class>/*.png|jpg|jpeg`; classes are the sorted
    sub-folders of train/.

    Without `image_size` every image must have the same size and channel
    count. With it, images are resized, and greyscale ones become RGB when
    the folder also holds colour images.
    """
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise ValueError(
            "`data_dir` must be a folder holding train/<class>/ and test/<class>/ image "
            f"folders. Received: data_dir='{folder}'"
        )
    for split in ("train", "test"):
        if not (folder / split).is_dir():
            raise ValueError(
                f"`data_dir` must hold a {split}/ folder with one sub-folder per class, but "
                f"{folder / split} is missing. Received: data_dir='{folder}'"
            )
    classes = tuple(sorted(
        p.name for p in (folder / "train").iterdir() if p.is_dir() and not p.name.startswith(".")
    ))
    if not classes:
        raise ValueError(f"{folder / 'train'} has no class sub-folders. Received: data_dir='{folder}'")

    splits = {split: _list_split(folder, split, classes) for split in ("train", "test")}
    images = {split: [read_image(file) for file, _ in files] for split, files in splits.items()}
    all_files = [file for files in splits.values() for file, _ in files]
    all_images = [image for split in ("train", "test") for image in images[split]]

    if image_size is None:
        reference = all_images[0].shape
        for file, image in zip(all_files, all_images):
            if image.shape != reference:
                raise ValueError(
                    "All images must have the same size and channel count (height x width "
                    f"x channels), or pass image_size=(height, width) to resize them. "
                    f"{file} is {'x'.join(map(str, image.shape))} but {all_files[0]} is "
                    f"{'x'.join(map(str, reference))}. Received: image_size=None"
                )
    else:
        channels = max(image.shape[-1] for image in all_images)
        for split in images:
            images[split] = [
                np.repeat(resized, channels, axis=-1) if resized.shape[-1] < channels else resized
                for resized in (resize_image(image, image_size) for image in images[split])
            ]
    return Arrays(
        np.stack(images["train"]), np.array([label for _, label in splits["train"]], dtype=np.int64),
        np.stack(images["test"]), np.array([label for _, label in splits["test"]], dtype=np.int64),
        classes, str(folder),
    )
