"""The `Arrays` record every loader returns: uint8 images with a channel axis,
int64 labels, the class names and where the data came from."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


# eq=False: comparing records field by field would compare whole arrays,
# which NumPy refuses to reduce to one bool.
@dataclass(frozen=True, eq=False)
class Arrays:
    """A data set in memory.

    Attributes:
        x_train, x_test: uint8 images of shape (N, height, width, channels).
        y_train, y_test: int64 labels of shape (N,).
        class_names: the label names, label `i` being `class_names[i]`.
        source: where the data was read from, for people (a path,
            "tfds:mnist (...)" or "embedded sample").
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]
    source: str

    def __post_init__(self) -> None:
        # Checked once here so that no reader can hand the models a wrong shape.
        for split in ("train", "test"):
            x, y = getattr(self, f"x_{split}"), getattr(self, f"y_{split}")
            if not isinstance(x, np.ndarray) or x.dtype != np.uint8 or x.ndim != 4:
                raise ValueError(
                    f"`x_{split}` must be a uint8 array of shape (N, height, width, channels). "
                    f"Received: x_{split} with {_describe(x)} from {self.source}"
                )
            if not isinstance(y, np.ndarray) or y.dtype != np.int64 or y.shape != (len(x),):
                raise ValueError(
                    f"`y_{split}` must be an int64 array of shape ({len(x)},). "
                    f"Received: y_{split} with {_describe(y)} from {self.source}"
                )
        if self.x_train.shape[1:] != self.x_test.shape[1:]:
            raise ValueError(
                "Train and test images must have the same shape. Received: "
                f"x_train {self.x_train.shape[1:]}, x_test {self.x_test.shape[1:]} from {self.source}"
            )

    def __repr__(self) -> str:
        return (
            f"Arrays(x_train={self.x_train.shape}, x_test={self.x_test.shape}, "
            f"classes={len(self.class_names)}, source={self.source!r})"
        )


def _describe(a: object) -> str:
    if isinstance(a, np.ndarray):
        return f"shape {a.shape} and dtype {a.dtype}"
    return f"type {type(a).__name__}"
