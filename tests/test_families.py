"""Every registered family has a test class on the shared base, which the
export and two-replica tests read (tests/families.py)."""

import keras_ae
from tests import families


def test_every_registered_family_declares_its_test():
    declared = families.declarations()
    missing = sorted(set(keras_ae.FAMILIES) - set(declared))
    assert not missing, f"no test class on tests/family_test_base.py declares {missing}"
    for name, cls in declared.items():
        assert cls.family_cls is keras_ae.FAMILIES[name]
        model = cls().make_model()
        assert isinstance(model, keras_ae.FAMILIES[name])
