"""Building a family by name: its options routed to the family's constructor
or to the architecture's builder, checked, and the model made. Every caller
that builds from a name (training, the detectors, the scikit-learn wrapper,
the disentanglement study) goes through `build_family`."""

from __future__ import annotations

import inspect

from keras_ae import catalog
from keras_ae.blocks import ARCHITECTURES
from keras_ae.models.base import Autoencoder, get_family
from keras_ae.validation import check_choice

# Constructor arguments that a run sets itself, never through `options`.
_RESERVED = {"self", "encoder", "decoder", "input_shape", "latent_dim", "kwargs"}


def parameters(function) -> list[str]:
    """The keyword arguments of `function` a user can name as options."""
    # `*args`/`**kwargs` (keras.Model's, which a family's `**kwargs` leads
    # to) are no option a user can name.
    return [
        p.name for p in inspect.signature(function).parameters.values()
        if p.name not in _RESERVED and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


def family_parameters(family_cls) -> list[str]:
    """The constructor arguments of a family, including those it passes on
    through `**kwargs` to the families it extends (not the base's)."""
    names = []
    for klass in family_cls.__mro__:
        if klass is Autoencoder or "__init__" not in klass.__dict__:
            continue
        parameters_ = inspect.signature(klass.__init__).parameters.values()
        names += [n for n in parameters(klass.__init__) if n not in names]
        if not any(p.kind is p.VAR_KEYWORD for p in parameters_):
            break
    return names


def gan_parameters(family_cls) -> list[str]:
    """The options a GAN family takes: its networks' arguments."""
    return [n for n in parameters(family_cls.from_spec) if n not in ("image_shape", "seed", "num_classes")]


def gan_options(family_cls, options: dict) -> dict:
    catalog.check_options(family_cls.family, None, options, gan_parameters(family_cls))
    return options


def split_options(family_cls, architecture: str, options: dict) -> tuple[dict, dict]:
    """Routes `options` to the family's constructor or to the architecture
    builder by name, refusing names that neither takes."""
    family_names = family_parameters(family_cls)
    network_names = [] if family_cls.owns_networks else parameters(ARCHITECTURES[architecture])
    catalog.check_options(family_cls.family, architecture, options, family_names + network_names)
    family_options = {k: v for k, v in options.items() if k in family_names}
    network_options = {k: v for k, v in options.items() if k not in family_names}
    return family_options, network_options


def resolve_options(family: str, architecture: str | None, options: dict | None) -> tuple[str | None, dict, dict]:
    """`(architecture, family options, architecture options)` of a family
    built by name, all checked: a GAN has its own networks (no
    architecture), any other family the one named or its default."""
    family_cls = get_family(family)
    options = dict(options or {})
    if not family_cls.has_encoder:
        if architecture is not None:
            raise ValueError(
                f"The {family!r} family has its own DCGAN networks; set them with "
                f"--option filters=... / kernel_size=.... Received: architecture={architecture!r}"
            )
        return None, gan_options(family_cls, options), {}
    architecture = check_choice(architecture or family_cls.default_architecture, ARCHITECTURES, "architecture")
    return (architecture, *split_options(family_cls, architecture, options))


def build_family(name: str, input_shape, latent_dim: int, options: dict | None = None, architecture: str | None = None,
                 **settings):
    """A new, uncompiled model of the family `name`.

    Args:
        name: a name from `keras_ae.FAMILIES`.
        input_shape: the shape of one example.
        latent_dim: the code size.
        options: the family's or the architecture's keyword arguments, as a
            user gives them (checked by name; see `split_options`).
        architecture: a key of `keras_ae.blocks.ARCHITECTURES` (the
            family's default if None; none for a GAN).
        **settings: constructor arguments the caller sets itself, past the
            check (the labels' `num_classes`, a GAN's `seed`, ...).
    """
    architecture, family_options, network_options = resolve_options(name, architecture, options)
    family_cls = get_family(name)
    family_options.update(settings)
    if architecture is None:
        return family_cls.from_spec(input_shape, latent_dim, **family_options)
    return family_cls.from_spec(
        input_shape, latent_dim, architecture=architecture, architecture_options=network_options, **family_options,
    )
