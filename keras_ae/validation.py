"""Argument checks shared by the models, data loaders and CLI.

Each raises `ValueError` naming the argument and the value received, in the
wording Keras uses, so a user sees what to change without reading our code.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import numpy as np


def check_positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r}")
    return int(value)


def check_non_negative_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"`{name}` must be an integer >= 0. Received: {name}={value!r}")
    return int(value)


def check_non_negative(value, name: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or value < 0
    ):
        raise ValueError(f"`{name}` must be a finite number >= 0. Received: {name}={value!r}")
    return float(value)


def check_fraction(value, name: str, open_interval: bool = False) -> float:
    """A number in [0, 1], or in (0, 1) when `open_interval`."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if ok:
        ok = 0 < value < 1 if open_interval else 0 <= value <= 1
    if not ok:
        interval = "(0, 1)" if open_interval else "[0, 1]"
        raise ValueError(f"`{name}` must be in {interval}. Received: {name}={value!r}")
    return float(value)


def check_choice(value, choices: Iterable[str], name: str) -> str:
    choices = list(choices)
    if value not in choices:
        raise ValueError(
            f"Unknown {name} {value!r}. Expected one of: {', '.join(map(str, choices))}. "
            f"Received: {name}={value!r}"
        )
    return value


def check_shape(shape, name: str, rank: int | None = None) -> tuple[int, ...]:
    """A shape of one example: positive ints, of `rank` entries if given."""
    try:
        shape = tuple(shape)
    except TypeError:
        raise ValueError(f"`{name}` must be a tuple of positive integers. Received: {name}={shape!r}")
    if not shape or any(
        isinstance(s, bool) or not isinstance(s, numbers.Integral) or s <= 0 for s in shape
    ):
        raise ValueError(f"`{name}` must be a tuple of positive integers. Received: {name}={shape!r}")
    if rank is not None and len(shape) != rank:
        raise ValueError(
            f"`{name}` must have {rank} entries (height, width, channels for images). "
            f"Received: {name}={shape!r}"
        )
    return tuple(int(s) for s in shape)


def check_batch(x, expected: Sequence[int | None], name: str = "x") -> np.ndarray:
    """Checks a batch against the shape of one example and for finite values.

    Returns `x` as a float32 NumPy array.
    """
    try:
        array = np.asarray(x, dtype="float32")
    except (TypeError, ValueError):
        raise ValueError(f"`{name}` must be a numeric array. Received: {name} of type {type(x).__name__}")
    expected = tuple(expected)
    if array.ndim != len(expected) + 1:
        raise ValueError(
            f"`{name}` must be a batch of rank {len(expected) + 1} with shape "
            f"(batch, {', '.join(str(d) for d in expected)}). "
            f"Received: {name} with shape {array.shape}"
        )
    for got, want in zip(array.shape[1:], expected):
        if want is not None and got != want:
            raise ValueError(
                f"`{name}` must have shape (batch, {', '.join(str(d) for d in expected)}). "
                f"Received: {name} with shape {array.shape}"
            )
    if not np.all(np.isfinite(array)):
        bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
        raise ValueError(
            f"`{name}` must hold finite values only. Received: {name} with {bad} NaN or "
            f"infinite value(s)"
        )
    return array


class ValueRange(NamedTuple):
    """The values a model's objective assumes its data hold: `[low, high]`,
    and what assumes it, for the error message (for example "the Bernoulli
    likelihood (likelihood='bernoulli')")."""

    low: float
    high: float
    reason: str

    def message(self, name: str, found_low: float, found_high: float, where: str = "") -> str:
        """The one-line error for `name` holding values in [found_low, found_high]."""
        hint = ""
        if found_high > self.high:
            # The usual cause: 8-bit images fed as they were read.
            if (self.low, self.high) == (0.0, 1.0):
                hint = "; divide 8-bit images by 255"
            elif (self.low, self.high) == (-1.0, 1.0):
                hint = "; scale 8-bit images with x / 127.5 - 1"
        return (
            f"`{name}` must hold values in [{self.low:g}, {self.high:g}] for {self.reason}{hint}. "
            f"Received: {name} with values in [{float(found_low)!r}, {float(found_high)!r}]{where}"
        )


def check_value_range(array: np.ndarray, value_range: ValueRange | None, name: str = "x") -> np.ndarray:
    """Refuses a batch (already through `check_batch`, so finite) with a value
    outside `value_range`; None accepts any. Returns `array`."""
    if value_range is None or array.size == 0:
        return array
    low, high = array.min(), array.max()
    if low < value_range.low or high > value_range.high:
        raise ValueError(value_range.message(name, low, high))
    return array
