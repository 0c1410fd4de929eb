"""The generator metrics: Frechet distance and the class histogram."""

import numpy as np
import pytest

from keras_ae import evaluation


def test_frechet_distance_closed_forms():
    a = np.random.default_rng(0).standard_normal((500, 6))
    shift = np.arange(6.0)
    assert evaluation.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    # Same covariance: only the means differ.
    assert evaluation.frechet_distance(a, a + shift) == pytest.approx(np.sum(shift**2), rel=1e-6)
    # b = 2a: Tr(C + 4C - 2 * 2C) = Tr(C).
    centred = a - a.mean(axis=0)
    expected = np.trace(np.cov(centred, rowvar=False))
    assert evaluation.frechet_distance(centred, 2 * centred) == pytest.approx(expected, rel=1e-6)
    with pytest.raises(ValueError, match="same width"):
        evaluation.frechet_distance(a, a[:, :3])


class FixedClassifier:
    def __init__(self, classes):
        self.classes = np.asarray(classes)

    def predict(self, x, batch_size=None, verbose=0):
        return np.eye(10)[self.classes[: len(x)]]


def test_class_histogram():
    uniform = evaluation.class_histogram(FixedClassifier(np.arange(1000) % 10), np.zeros((1000, 2, 2, 1), "float32"))
    assert uniform["counts"] == [100] * 10 and uniform["kl_to_uniform"] == pytest.approx(0.0)
    collapsed = evaluation.class_histogram(FixedClassifier(np.full(1000, 3)), np.zeros((1000, 2, 2, 1), "float32"))
    assert collapsed["classes_seen"] == 1 and collapsed["kl_to_uniform"] == pytest.approx(np.log(10))


def test_feature_classifier_judges_held_out_digits():
    from keras_ae import datasets

    arrays = datasets.load_arrays("mnist_sample")
    classifier = evaluation.train_feature_classifier(arrays.x_train, arrays.y_train, epochs=3)
    predicted = np.argmax(classifier.predict(arrays.x_test / 255.0, verbose=0), axis=1)
    assert np.mean(predicted == arrays.y_test) > 0.9
    assert evaluation.classifier_features(classifier, arrays.x_test[:5]).shape == (5, 128)
