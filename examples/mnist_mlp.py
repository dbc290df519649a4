"""The MNIST headline: the classic Keras MLP, trained with graphflow.

    Sequential([Dense(512, relu), Dense(10, softmax)]), RMSprop, sparse categorical
    cross-entropy, 5 epochs of batch 128 on the full training set, then test accuracy.

Run: python examples/mnist_mlp.py [--epochs 5]
The four MNIST files come from $GRAPHFLOW_DATA_DIR/mnist/ (or the cache, or a download); when
they cannot be found the script prints graphflow's one-line explanation and exits with status 2.
"""
import argparse
import sys
import time

import graphflow as tf
from graphflow import keras


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1, help="global seed (initial weights, "
                        "shuffling); pass -1 for a fresh random run")
    args = parser.parse_args()
    if args.seed >= 0:
        tf.random.set_seed(args.seed)
    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    except tf.errors.NotFoundError as e:  # offline and no data folder: say what to do
        print(f"mnist_mlp.py: {e}", file=sys.stderr)
        return 2
    x_train = x_train.reshape(60000, 784).astype("float32") / 255
    x_test = x_test.reshape(10000, 784).astype("float32") / 255

    model = keras.Sequential([
        keras.Input(shape=(784,)),
        keras.layers.Dense(512, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.summary()
    start = time.perf_counter()
    model.fit(x_train, y_train, epochs=args.epochs, batch_size=128)
    seconds = time.perf_counter() - start
    test_loss, test_acc = model.evaluate(x_test, y_test, verbose=0)
    print(f"\ntest accuracy: {test_acc:.4f}  (test loss {test_loss:.4f}; "
          f"{args.epochs} epochs in {seconds:.1f} s)")


if __name__ == "__main__":
    sys.exit(main())
