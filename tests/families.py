"""Every registered family's test declaration: its test class on the shared
base (tests/family_test_base.py), found wherever the family's tests live.

The export and two-replica tests build each family from here
(`declaration(name).make_model()`), so a new family is covered by them as
soon as its test class exists; `tests/test_families.py` fails for a
registered family without one."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import keras_ae
from tests.family_test_base import TrainedFamilyTest

ROOT = Path(__file__).resolve().parents[1]
# Where family tests may live: beside the tests, or beside a family's code.
FOLDERS = ("tests", "keras_ae")
# A test class on the shared base (or on a class built on it).
_DECLARES = re.compile(r"^class \w+\([\w.]*FamilyTest\)", re.MULTILINE)


def _test_modules() -> list[str]:
    """The dotted names of the test files that define a class on the shared base."""
    names = []
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if not (path.name.startswith("test_") or path.name.endswith("_test.py")):
                continue
            if _DECLARES.search(path.read_text(encoding="utf-8")):
                names.append(".".join(path.relative_to(ROOT).with_suffix("").parts))
    return names


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def declarations() -> dict[str, type]:
    """Family name -> the test class that declares it (the class whose own
    `family_cls` it is, wherever pytest or this module imported it from)."""
    for name in _test_modules():
        importlib.import_module(name)
    found = {}
    for cls in _subclasses(TrainedFamilyTest):
        family_cls = cls.__dict__.get("family_cls")
        if family_cls is not None and keras_ae.FAMILIES.get(family_cls.family) is family_cls:
            found.setdefault(family_cls.family, cls)
    return found


def declaration(family: str) -> TrainedFamilyTest:
    """An instance of `family`'s test class, to call `make_model()` and the rest on."""
    return declarations()[family]()
