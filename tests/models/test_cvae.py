import numpy as np
import pytest
import tensorflow as tf

import keras_ae
from keras_ae import evaluation
from tests.family_test_base import FamilyTest

LABELS = np.arange(512) % 10


class TestConditionalVAE(FamilyTest):
    family_cls = keras_ae.ConditionalVAE

    def make_model(self):
        return keras_ae.ConditionalVAE.from_spec(
            self.data_shape, 4, num_classes=10, architecture="dense", architecture_options={"units": (64,)}, seed=1,
        )

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

    def test_bad_label_inside_a_dataset_stops_the_step(self, mnist_digits):
        model = self.make_model()
        model.compile(optimizer="adam")
        dataset = tf.data.Dataset.from_tensor_slices((mnist_digits[:4], np.array([0, 1, 2, 12]))).batch(4)
        with pytest.raises(tf.errors.InvalidArgumentError, match="class ids < 10"):
            model.fit(dataset, verbose=0)

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
