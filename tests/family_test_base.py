"""The shared test base: what every family must do, so that a family's own
test file holds only its configuration and what makes it different.

`TrainedFamilyTest` is what every registered family shares, autoencoder or
GAN; `FamilyTest` adds what a reconstructing autoencoder must do. Each
family's test class is also its declaration (`tests/families.py`): the
export and two-replica tests build every registered family from it."""

from __future__ import annotations

import inspect

import keras
import numpy as np
import pytest

import keras_ae

# What the tests under mixed precision and XLA set: a Keras dtype policy,
# and whether the train step is compiled with XLA. The default suite takes
# one step of each family with both at once (one XLA compilation per
# family); each on its own, and float16, run with `pytest -m slow`.
SETTINGS = {"xla_mixed_bfloat16": ("mixed_bfloat16", True), "jit_compile": ("float32", True),
            "mixed_bfloat16": ("mixed_bfloat16", False), "mixed_float16": ("mixed_float16", False)}


def optimizers(model) -> list:
    """Every optimizer a compiled model trains with (a GAN's two players, a
    FactorVAE's discriminator beside its `optimizer`), in attribute order."""
    found = {}
    for value in vars(model).values():
        if isinstance(value, keras.optimizers.Optimizer):
            found.setdefault(id(value), value)
    return list(found.values())


def posterior_draws(model, x, y) -> dict:
    """The draws of a variational family's step: the binarized batch and
    the code drawn from the posterior (`draws` of a VAE family's test)."""
    conditions = (keras.ops.one_hot(y, model.num_classes),) if model.conditional else ()
    target, _, _, z = model.posterior_sample(x, x, conditions, training=True)
    return {"binarized": target, "z": z}


class TrainedFamilyTest:
    """Subclass with `family_cls` and a small `make_model()`; every test
    here then runs for that family.

    The class is the family's declaration for the export and two-replica
    tests too (`tests/families.py`): `make_model()` is the model they
    export and train, `draws` what one training step draws at random."""

    family_cls: type = None
    data_shape = (28, 28, 1)
    # `fit` on real data: examples, epochs and batch size of the training test.
    fit_examples, fit_epochs, fit_batch_size = 512, 3, 32
    # Two replicas against one device, 3 SGD steps from the same weights
    # (tests/test_distribute.py): "parity" for the same weights within
    # 1e-5, or "steps" where each replica's step rightly differs (a
    # statistic of its own half of the batch, its own random draws): then
    # every optimizer takes the 3 steps and every tracked value is finite.
    two_replicas = "parity"

    def make_model(self):
        raise NotImplementedError

    def two_replica_model(self):
        """The model the two-replica parity run trains (`make_model()`
        unless the family's parity needs another setting)."""
        return self.make_model()

    def draws_model(self):
        """The model whose random draws `draws` reads (tests/test_distribute.py)."""
        return self.make_model()

    # The random draws one training step makes for a batch `x` with labels
    # `y`, as `draws(model, x, y) -> {name: tensor}` run inside
    # `strategy.run`; None for a family that draws nothing.
    draws = None

    def inputs(self, x) -> tuple:
        """The positional arguments of `fit` (and of `encode` and
        `reconstruct`) for examples `x`; a conditional family adds their labels."""
        return (x,)

    def examples(self, digits: np.ndarray) -> np.ndarray:
        """The real training data of the family's tests, made from MNIST
        digits (a sequence family reads each digit's rows as time steps)."""
        return digits

    def outputs(self, model, x) -> np.ndarray:
        """What the model computes for examples `x`, compared between a
        model and its copies."""
        raise NotImplementedError

    def compiled_model(self, seed: int = 0):
        keras.utils.set_random_seed(seed)
        model = self.make_model()
        model.compile(**self.family_cls.default_optimizers())
        return model

    def assert_trained(self, model, before: dict, after: dict, history: dict) -> None:
        """What `fit` on real data must have done, beyond the steps taken:
        `before` and `after` are `evaluate`'s reports."""

    def float32_values(self, model, data) -> dict:
        """Tensors of the objective that must stay float32 under a
        mixed-precision policy."""
        return {}

    # === Registration and config ===

    def test_registered_under_its_family_name(self):
        assert keras_ae.FAMILIES[self.family_cls.family] is self.family_cls
        name = keras.saving.get_registered_name(self.family_cls)
        assert keras.saving.get_registered_object(name) is self.family_cls

    def test_every_init_argument_is_in_get_config(self):
        config = self.make_model().get_config()
        arguments = [p for p in inspect.signature(self.family_cls.__init__).parameters if p not in ("self", "kwargs")]
        missing = [a for a in arguments if a not in config]
        assert not missing, f"get_config() lacks {missing}"

    def test_from_config_rebuilds_the_same_model(self):
        model = self.make_model()
        clone = type(model).from_config(model.get_config())
        clone.set_weights(model.get_weights())
        x = np.random.default_rng(0).random((4, *self.concrete_shape()), dtype="float32")
        np.testing.assert_array_equal(self.outputs(model, x), self.outputs(clone, x))
        assert clone.get_config() == model.get_config()

    def test_from_preset_folder_loads_the_same_model(self, tmp_path):
        from keras_ae import zoo

        model = self.make_model()
        zoo.save_preset(model, tmp_path / "preset", {"family": self.family_cls.family}, "card", b"")
        loaded = self.family_cls.from_preset(tmp_path / "preset")
        assert type(loaded) is self.family_cls
        x = np.random.default_rng(0).random((3, *self.concrete_shape()), dtype="float32")
        np.testing.assert_array_equal(self.outputs(loaded, x), self.outputs(model, x))

    def concrete_shape(self) -> tuple:
        """`data_shape` with any free size set to MNIST's 28."""
        return tuple(28 if size is None else size for size in self.data_shape)

    # === Training ===

    def test_fit_on_real_mnist_trains(self, mnist_digits):
        model = self.compiled_model()
        data = self.inputs(self.examples(mnist_digits[: self.fit_examples]))
        before = model.evaluate(*data, batch_size=128, verbose=0, return_dict=True)
        weights = {id(v): v.numpy() for v in model.trainable_weights}
        history = model.fit(*data, epochs=self.fit_epochs, batch_size=self.fit_batch_size, verbose=0).history
        after = model.evaluate(*data, batch_size=128, verbose=0, return_dict=True)
        steps = self.fit_epochs * -(-len(data[0]) // self.fit_batch_size)
        for optimizer in optimizers(model):
            assert int(optimizer.iterations) == steps
            # Every optimizer moved the variables it trains.
            assert any(not np.allclose(weights[id(v)], v.numpy()) for v in optimizer._trainable_variables)
        assert set(history) == set(after) and all(np.isfinite(v).all() for v in history.values())
        self.assert_trained(model, before, after, history)

    def test_keras_round_trip_keeps_weights_optimizer_and_next_step(self, mnist_digits, tmp_path):
        x = self.inputs(self.examples(mnist_digits[:64]))
        model = self.compiled_model()
        model.fit(*x, epochs=1, batch_size=32, shuffle=False, verbose=0)
        # One seed repeats the model and its training.
        again = self.compiled_model()
        again.fit(*x, epochs=1, batch_size=32, shuffle=False, verbose=0)
        for a, b in zip(model.get_weights(), again.get_weights()):
            np.testing.assert_array_equal(a, b)
        path = tmp_path / "model.keras"
        model.save(path)
        loaded = keras.saving.load_model(path)
        assert type(loaded) is type(model)
        np.testing.assert_array_equal(self.outputs(loaded, x[0]), self.outputs(model, x[0]))
        saved, restored = optimizers(model), optimizers(loaded)
        assert len(saved) == len(restored) >= 1
        assert [int(o.iterations) for o in restored] == [int(o.iterations) for o in saved] == [2] * len(saved)
        for a, b in zip([v for o in saved for v in o.variables], [v for o in restored for v in o.variables]):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
        # Training on from the file is training on from memory.
        model.fit(*x, epochs=1, batch_size=32, shuffle=False, verbose=0)
        loaded.fit(*x, epochs=1, batch_size=32, shuffle=False, verbose=0)
        for a, b in zip(model.weights, loaded.weights):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=0, atol=1e-6)

    @pytest.mark.parametrize("setting", ["xla_mixed_bfloat16", *(pytest.param(s, marks=pytest.mark.slow) for s in list(SETTINGS)[1:])])
    def test_one_step_under_xla_and_mixed_precision(self, mnist_digits, setting):
        policy_name, jit_compile = SETTINGS[setting]
        policy = keras.mixed_precision.global_policy()
        keras.mixed_precision.set_global_policy(policy_name)
        try:
            keras.utils.set_random_seed(0)
            model = self.make_model()
            model.compile(**self.family_cls.default_optimizers(), jit_compile=jit_compile)
            data = self.inputs(self.examples(mnist_digits[:16]))
            history = model.fit(*data, epochs=1, batch_size=16, verbose=0).history
            values = self.float32_values(model, data)
        finally:
            keras.mixed_precision.set_global_policy(policy)
        assert model.decoder_network().compute_dtype == keras.DTypePolicy(policy_name).compute_dtype
        # Under float16 the loss scale skips a step whose gradients overflow
        # (the first one often does, at the initial scale 2**15).
        steps = {0, 1} if policy_name == "mixed_float16" else {1}
        assert {int(o.iterations) for o in optimizers(model)} <= steps
        assert all(np.isfinite(v[-1]) for v in history.values()), history
        assert {keras.backend.standardize_dtype(t.dtype) for t in values.values()} <= {"float32"}

    # === Bad input ===

    def shape_checked_calls(self, model) -> list:
        """The entry points that check the shape of `x` before anything runs."""
        return [model.fit]

    def range_checked_calls(self, model, inputs) -> list:
        """Calls that must refuse data outside the objective's range."""
        return [lambda: model.fit(*inputs, verbose=0), lambda: model.evaluate(*inputs, verbose=0)]

    @pytest.mark.parametrize(
        "shape_change, message",
        [("rank", "rank"), ("channels", "shape"), ("nan", "finite")],
    )
    def test_bad_input_names_the_argument(self, shape_change, message):
        model = self.make_model()
        x = np.zeros((2, *self.concrete_shape()), dtype="float32")
        if shape_change == "rank":
            x = x[..., 0]
        elif shape_change == "channels":
            x = np.concatenate([x, x], axis=-1)
        else:
            x[0, 0] = np.nan
        for call in self.shape_checked_calls(model):
            with pytest.raises(ValueError, match=f"(?s)`x`.*{message}.*Received: x"):
                call(*self.inputs(x))

    def test_data_outside_the_objectives_range_is_an_error(self):
        # 8-bit images as they were read: under a Bernoulli loss they train
        # to a number (a VAE reached 3,456,027), not to a model.
        model = self.compiled_model()
        x = np.random.default_rng(0).integers(0, 256, (4, *self.concrete_shape())).astype("uint8")
        x.flat[0], x.flat[-1] = 0, 255
        if model.data_range is None:
            # The objective takes any values: no false alarm.
            assert np.isfinite(self.outputs(model, x)).all()
            assert np.isfinite(model.evaluate(*self.inputs(x), verbose=0)).all()
            return
        weights = model.get_weights()
        message = r"^`x` must hold values in \[0, 1\] for [^\n]*Received: x with values in \[0\.0, 255\.0\]$"
        for batch in (x, x.astype("float32")):
            for call in self.range_checked_calls(model, self.inputs(batch)):
                with pytest.raises(ValueError, match=message):
                    call()
        assert [int(o.iterations) for o in optimizers(model)] == [0] * len(optimizers(model))
        for before, after in zip(weights, model.get_weights()):
            np.testing.assert_array_equal(before, after)

    def test_compile_refuses_a_loss(self):
        with pytest.raises(ValueError, match="Received: loss='mse'"):
            self.make_model().compile(loss="mse")


class FamilyTest(TrainedFamilyTest):
    """A reconstructing autoencoder: subclass with `family_cls` and a small
    `make_model()`; it adds encode / decode / reconstruct and its loss terms."""

    def compiled_model(self, seed: int = 0):
        keras.utils.set_random_seed(seed)
        model = self.make_model()
        model.compile(optimizer=keras.optimizers.Adam(1e-3))
        return model

    def outputs(self, model, x) -> np.ndarray:
        return model.reconstruct(*self.inputs(x))

    def assert_trained(self, model, before, after, history):
        cls = self.family_cls
        assert set(after) == {"loss", *cls.loss_terms(), *cls.monitor_names}
        assert after["loss"] < 0.9 * before["loss"]
        assert np.isclose(after["loss"], sum(after[name] for name in cls.loss_terms()), rtol=1e-4)

    def float32_values(self, model, data):
        batch = tuple(keras.ops.convert_to_tensor(d) for d in data)
        inputs, target, _ = model.unpack_batch(batch if len(batch) > 1 else batch[0])
        _, terms = model.compute_terms(inputs, target)
        return terms

    def shape_checked_calls(self, model):
        return [model.encode, model.reconstruct, model.fit]

    def range_checked_calls(self, model, inputs):
        return [
            *super().range_checked_calls(model, inputs),
            lambda: model.predict(inputs[0] if len(inputs) == 1 else inputs, verbose=0),
            lambda: model.encode(*inputs),
            lambda: model.reconstruct(*inputs),
        ]

    # === API ===

    def test_encode_decode_shapes(self):
        model = self.make_model()
        x = np.random.default_rng(0).random((3, *self.concrete_shape()), dtype="float32")
        codes = model.encode(*self.inputs(x))
        if len(self.family_cls.encoder_outputs) > 1:
            # A distribution's parameters; the first is its mean.
            assert [c.shape for c in codes] == [(3, model.latent_dim)] * len(codes)
            codes = codes[0]
        assert codes.shape == (3, model.latent_dim)
        conditions = self.inputs(x)[1:]
        assert model.decode(codes, *conditions).shape == (3, *self.concrete_shape())
        np.testing.assert_allclose(model.decode(codes, *conditions), model.reconstruct(*self.inputs(x)), atol=1e-6)


class SequenceFamilyTest(FamilyTest):
    """Each MNIST digit read top to bottom: 28 steps of 28 pixels."""

    data_shape = (28, 28)

    def examples(self, digits):
        return digits[..., 0]
