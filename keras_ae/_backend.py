"""Where keras_ae first imports Keras, from the package's first use or from
`keras_ae.models`: it runs on the TensorFlow backend only, and says so at
once rather than fail obscurely further on."""

import keras

if keras.backend.backend() != "tensorflow":
    raise ImportError(
        "keras_ae runs on the TensorFlow backend. Set KERAS_BACKEND=tensorflow. "
        f"Received: backend={keras.backend.backend()!r}"
    )
