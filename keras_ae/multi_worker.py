"""Keras 3's `fit` under `tf.distribute.MultiWorkerMirroredStrategy`: the
workarounds that make it run, isolated here so they can go once upstream
fixes them (tests/test_distribute.py says when).

Upstream: keras-team/keras#20585 (Keras 3's `fit` under
MultiWorkerMirroredStrategy). On TensorFlow 2.21 / Keras 3.15 the step's
scalar logs are reduced with `strategy.reduce("MEAN", v, axis=0)`, which
fails on a rank-0 tensor ("Invalid reduction dimension 0 for input with 0
dimensions"). The patch reduces scalars over replicas only (`axis=None`);
everything else goes through Keras's own code.
"""

from __future__ import annotations

import functools

import tensorflow as tf

_PATCHED = False


def upstream_reduce_fails() -> bool:
    """Whether Keras's own reduction of a scalar under multi-worker mode
    still uses `axis=0` (the bug the patch works around)."""
    import inspect

    from keras.src.backend.tensorflow import trainer

    source = inspect.getsource(getattr(trainer.reduce_per_replica, "__wrapped__", trainer.reduce_per_replica))
    return 'strategy.reduce("MEAN", v, axis=0)' in source


def patch_keras() -> None:
    """Installs the workaround once (idempotent); call it before `fit`."""
    global _PATCHED
    if _PATCHED:
        return
    from keras.src.backend.tensorflow import trainer

    original = trainer.reduce_per_replica

    @functools.wraps(original)
    def reduce_per_replica(values, strategy, reduction):
        if reduction in ("auto", "mean") and trainer._collective_all_reduce_multi_worker(strategy):
            def reduce(v):
                if v.shape.rank == 0:
                    return strategy.reduce("MEAN", v, axis=None)
                return strategy.reduce("MEAN", v, axis=0)

            return tf.nest.map_structure(reduce, values)
        return original(values, strategy, reduction)

    trainer.reduce_per_replica = reduce_per_replica
    _PATCHED = True


def strategy() -> tf.distribute.MultiWorkerMirroredStrategy:
    """The multi-worker strategy of the cluster in `TF_CONFIG`, with the
    Keras workaround installed."""
    patch_keras()
    return tf.distribute.MultiWorkerMirroredStrategy()
