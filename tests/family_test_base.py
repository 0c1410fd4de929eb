"""The shared test base: what every family must do, so that a family's own
test file holds only its configuration and what makes it different."""

from __future__ import annotations

import inspect

import keras
import numpy as np
import pytest

import keras_ae


class FamilyTest:
    """Subclass with `family_cls` and a small `make_model()`; every test
    here then runs for that family."""

    family_cls: type = None
    data_shape = (28, 28, 1)

    def make_model(self) -> keras_ae.Autoencoder:
        raise NotImplementedError

    def inputs(self, x) -> tuple:
        """The positional arguments of `fit`, `encode` and `reconstruct` for
        examples `x`; a conditional family adds their labels."""
        return (x,)

    def examples(self, digits: np.ndarray) -> np.ndarray:
        """The real training data of the family's tests, made from MNIST
        digits (a sequence family reads each digit's rows as time steps)."""
        return digits

    def compiled_model(self, seed: int = 0):
        keras.utils.set_random_seed(seed)
        model = self.make_model()
        model.compile(optimizer=keras.optimizers.Adam(1e-3))
        return model

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
        x = np.random.default_rng(0).random((4, *self.data_shape), dtype="float32")
        np.testing.assert_array_equal(model.reconstruct(*self.inputs(x)), clone.reconstruct(*self.inputs(x)))
        assert clone.get_config() == model.get_config()

    # === Training ===

    def test_fit_on_real_mnist_reduces_the_loss(self, mnist_digits):
        model = self.compiled_model()
        data = self.inputs(self.examples(mnist_digits))
        before = model.evaluate(*data, batch_size=128, verbose=0, return_dict=True)
        model.fit(*data, epochs=3, batch_size=32, verbose=0)
        after = model.evaluate(*data, batch_size=128, verbose=0, return_dict=True)
        cls = self.family_cls
        assert set(after) == {"loss", *cls.loss_terms(), *cls.monitor_names}
        assert after["loss"] < 0.9 * before["loss"]
        assert np.isclose(after["loss"], sum(after[name] for name in cls.loss_terms()), rtol=1e-4)

    def test_keras_round_trip_keeps_weights_optimizer_and_next_step(self, mnist_digits, tmp_path):
        x = self.inputs(self.examples(mnist_digits[:64]))
        model = self.compiled_model()
        model.fit(*x, epochs=1, batch_size=32, shuffle=False, verbose=0)
        path = tmp_path / "model.keras"
        model.save(path)
        loaded = keras.saving.load_model(path)
        assert type(loaded) is type(model)
        np.testing.assert_array_equal(loaded.reconstruct(*x), model.reconstruct(*x))
        assert int(loaded.optimizer.iterations) == int(model.optimizer.iterations) == 2
        for saved, restored in zip(model.optimizer.variables, loaded.optimizer.variables):
            np.testing.assert_array_equal(saved.numpy(), restored.numpy())
        # Training on from the file is training on from memory.
        model.fit(*x, epochs=1, batch_size=32, shuffle=False, verbose=0)
        loaded.fit(*x, epochs=1, batch_size=32, shuffle=False, verbose=0)
        for a, b in zip(model.weights, loaded.weights):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=0, atol=1e-6)

    # === API and bad input ===

    def test_encode_decode_shapes(self):
        model = self.make_model()
        x = np.random.default_rng(0).random((3, *self.data_shape), dtype="float32")
        codes = model.encode(*self.inputs(x))
        if len(self.family_cls.encoder_outputs) > 1:
            # A distribution's parameters; the first is its mean.
            assert [c.shape for c in codes] == [(3, model.latent_dim)] * len(codes)
            codes = codes[0]
        assert codes.shape == (3, model.latent_dim)
        conditions = self.inputs(x)[1:]
        assert model.decode(codes, *conditions).shape == (3, *self.data_shape)
        np.testing.assert_allclose(model.decode(codes, *conditions), model.reconstruct(*self.inputs(x)), atol=1e-6)

    @pytest.mark.parametrize(
        "shape_change, message",
        [("rank", "rank"), ("channels", "shape"), ("nan", "finite")],
    )
    def test_bad_input_names_the_argument(self, shape_change, message):
        model = self.make_model()
        x = np.zeros((2, *self.data_shape), dtype="float32")
        if shape_change == "rank":
            x = x[..., 0]
        elif shape_change == "channels":
            x = np.concatenate([x, x], axis=-1)
        else:
            x[0, 0] = np.nan
        for call in (model.encode, model.reconstruct, model.fit):
            with pytest.raises(ValueError, match=f"(?s)`x`.*{message}.*Received: x"):
                call(*self.inputs(x))

    def test_data_outside_the_objectives_range_is_an_error(self):
        # 8-bit images as they were read: under a Bernoulli loss they train
        # to a number (a VAE reached 3,456,027), not to a model.
        model = self.compiled_model()
        x = np.random.default_rng(0).integers(0, 256, (4, *self.data_shape)).astype("uint8")
        x.flat[0], x.flat[-1] = 0, 255
        if model.data_range is None:
            # The objective takes any values: no false alarm.
            assert np.isfinite(model.reconstruct(*self.inputs(x))).all()
            assert np.isfinite(model.evaluate(*self.inputs(x), verbose=0)).all()
            return
        weights = model.get_weights()
        message = r"^`x` must hold values in \[0, 1\] for [^\n]*Received: x with values in \[0\.0, 255\.0\]$"
        for batch in (x, x.astype("float32")):
            inputs = self.inputs(batch)
            for call in (
                lambda: model.fit(*inputs, verbose=0),
                lambda: model.evaluate(*inputs, verbose=0),
                lambda: model.predict(inputs[0] if len(inputs) == 1 else inputs, verbose=0),
                lambda: model.encode(*inputs),
                lambda: model.reconstruct(*inputs),
            ):
                with pytest.raises(ValueError, match=message):
                    call()
        assert int(model.optimizer.iterations) == 0
        for before, after in zip(weights, model.get_weights()):
            np.testing.assert_array_equal(before, after)

    def test_compile_refuses_a_loss(self):
        with pytest.raises(ValueError, match="Received: loss='mse'"):
            self.make_model().compile(optimizer="adam", loss="mse")
