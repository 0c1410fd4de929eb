import numpy as np
import pytest
import tensorflow as tf

import keras_ae
from keras_ae import evaluation
from tests.family_test_base import FamilyTest, posterior_draws

LABELS = np.arange(512) % 10


class TestConditionalVAE(FamilyTest):
    family_cls = keras_ae.ConditionalVAE

    def make_model(self, **options):
        return keras_ae.ConditionalVAE.from_spec(
            self.data_shape, 4, num_classes=10, architecture="dense", architecture_options={"units": (64,)}, seed=1,
            **options,
        )

    def draws_model(self):
        # Binarized, so that the Bernoulli draws show beside eps.
        return self.make_model(binarize=True)

    draws = staticmethod(posterior_draws)

    def inputs(self, x):
        return (x, LABELS[: len(x)])

    def test_the_label_changes_the_output(self):
        model = self.make_model()
        z = np.zeros((10, 4), "float32")
        images = model.decode(z, np.arange(10))
        assert images.shape == (10, 28, 28, 1)
        assert not np.allclose(images[0], images[1], atol=1e-4)
        np.testing.assert_allclose(model.generate([3, 3], seed=0), model.decode(
            np.random.default_rng(0).standard_normal((2, 4)).astype("float32"), [3, 3]), atol=1e-6)

    def test_conv_networks_tile_the_label(self, mnist_digits, mnist_labels):
        model = keras_ae.ConditionalVAE.from_spec(self.data_shape, 4, num_classes=10, architecture_options={"filters": (8,)})
        model.compile(optimizer="adam")
        dataset = tf.data.Dataset.from_tensor_slices((mnist_digits[:64], mnist_labels[:64])).batch(32)
        history = model.fit(dataset, epochs=1, verbose=0)
        assert np.isfinite(history.history["loss"][0])
        report = evaluation.importance_sampled_nll(model, mnist_digits[:4], k=3, labels=mnist_labels[:4])
        assert np.isfinite(report["nll"]) and report["examples"] == 4

    @pytest.mark.parametrize(
        "labels, message",
        [([10], "containing 10"), ([-1], "containing -1"), ([1.5], "integer class ids"), ([], "at least one")],
    )
    def test_bad_labels(self, labels, message):
        with pytest.raises(ValueError, match=message):
            self.make_model().generate(labels)

    def test_mismatched_image_and_label_batches(self, mnist_digits):
        model = self.make_model()
        model.compile(optimizer="adam")
        with pytest.raises(ValueError, match="one label per example \\(8\\)"):
            model.fit(mnist_digits[:8], LABELS[:5], verbose=0)
        with pytest.raises(ValueError, match="Received: y=None"):
            model.fit(mnist_digits[:8], verbose=0)

    @pytest.mark.parametrize("jit_compile", [False, True])
    def test_bad_label_inside_a_dataset_stops_fit_in_one_line(self, mnist_digits, jit_compile):
        # Under XLA an assertion inside the step would be dropped; the check
        # runs in the data set's pipeline, before the step, either way.
        model = self.make_model()
        model.compile(optimizer="adam", jit_compile=jit_compile)
        weights = model.get_weights()
        dataset = tf.data.Dataset.from_tensor_slices((mnist_digits[:4], np.array([0, 1, 2, 12]))).batch(4)
        message = r"^`labels` must be class ids in \[0, 10\)\. Received: labels containing 12 \(a batch of the data set given as `x`\)$"
        with pytest.raises(ValueError, match=message):
            model.fit(dataset, verbose=0)
        with pytest.raises(ValueError, match=message):
            model.evaluate(dataset, verbose=0)
        for before, after in zip(weights, model.get_weights()):
            np.testing.assert_array_equal(before, after)

    @pytest.mark.parametrize("kind", ["reconstructions", "scatter", "samples", "manifold"])
    def test_plot_passes_the_test_labels(self, kind, tmp_path, capsys):
        from keras_ae import cli

        self.make_model().save(tmp_path / "model.keras")
        out = tmp_path / "picture.png"
        status = cli.main(["plot", kind, str(tmp_path / "model.keras"), "--out", str(out), "--n", "20"])
        if kind == "manifold":  # a code alone does not make an image here
            assert status == 2 and "Received: kind='manifold'" in capsys.readouterr().err
            assert not out.exists()
        else:
            assert status == 0 and out.read_bytes()[:4] == b"\x89PNG"


def test_out_of_range_labels_are_refused_at_every_entry(mnist_digits):
    model = keras_ae.ConditionalVAE.from_spec((28, 28, 1), 2, num_classes=10, architecture="dense",
                                              architecture_options={"units": (8,)})
    model.compile(optimizer="adam")
    x, labels = mnist_digits[:4], np.array([0, 1, 2, 10])
    for call, name in [
        (lambda: model.fit(x, labels, verbose=0), "y"),
        (lambda: model.evaluate(x, labels, verbose=0), "y"),
        (lambda: model.fit(x, labels % 10, validation_data=(x, labels), verbose=0), r"validation_data\[1\]"),
        (lambda: model.predict((x, labels), verbose=0), "labels"),
        (lambda: model.encode(x, labels), "labels"),
        (lambda: model.reconstruct(x, labels), "labels"),
        (lambda: model.generate(labels), "labels"),
        (lambda: evaluation.importance_sampled_nll(model, x, k=2, labels=labels), "labels"),
    ]:
        with pytest.raises(ValueError, match=rf"^`{name}` must be class ids in \[0, 10\)\. Received: {name} containing 10$"):
            call()
