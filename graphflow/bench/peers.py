"""Peer versions of the workloads (TensorFlow, PyTorch, JAX). Nothing here imports a peer: the
modules arrive in `peers` (name -> module) after __main__ imported them lazily; each function
returns {system: callable} for the peers present (definitions from ../shared/bench/peers/*.py).
"""
import numpy as np


def load(names):
    """Imports each requested peer; prints 'skipped <peer>: not installed' for missing ones."""
    import os
    loaded = {}
    for name in names:
        try:
            if name == "tensorflow":
                os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
                import tensorflow as module
            elif name == "torch":
                import torch as module
            elif name == "jax":
                import jax as module
                import jax.numpy  # noqa: F401
            else:
                raise ValueError(name)
        except ImportError:
            print(f"skipped {name}: not installed")
            continue
        loaded[name] = module
    return loaded


def eager_cases(peers):
    cases = {}
    if "tensorflow" in peers:
        tf = peers["tensorflow"]
        fa, fb = tf.ones(4), tf.ones(4)
        cases["tensorflow eager"] = lambda: fa + fb
    if "torch" in peers:
        torch = peers["torch"]
        ta, tb = torch.ones(4), torch.ones(4)
        cases["torch eager"] = lambda: ta + tb
    if "jax" in peers:
        jnp = peers["jax"].numpy
        ja, jb = jnp.ones(4), jnp.ones(4)
        cases["jax jit"] = lambda: ja + jb  # jax dispatches each op as a cached jitted primitive
    return cases


def linreg_cases(peers):
    cases = {}
    if "tensorflow" in peers:
        tf = peers["tensorflow"]
        for mode in ("eager", "function"):
            x = tf.constant([1., 3., 5., 7.])
            y = tf.constant([2., 3., 4., 5.])
            w, b = tf.Variable(1.), tf.Variable(0.5)

            def train_step(xk, yk, w=w, b=b):
                with tf.GradientTape() as t:
                    loss = (w * xk + b - yk) ** 2
                gw, gb = t.gradient(loss, [w, b])
                w.assign_sub(0.01 * gw)
                b.assign_sub(0.01 * gb)
            step = tf.function(train_step) if mode == "function" else train_step
            samples = [(x[k], y[k]) for k in range(4)]
            step(*samples[0])

            def epoch(step=step, samples=samples):
                for xk, yk in samples:
                    step(xk, yk)
            cases[f"tensorflow {mode}"] = epoch
    if "torch" in peers:
        torch = peers["torch"]
        x, y = torch.tensor([1., 3., 5., 7.]), torch.tensor([2., 3., 4., 5.])
        w = torch.tensor(1., requires_grad=True)
        b = torch.tensor(0.5, requires_grad=True)

        def torch_epoch(w=w, b=b, x=x, y=y):  # bound now: later peers reuse these names
            for k in range(4):
                loss = (w * x[k] + b - y[k]) ** 2
                gw, gb = torch.autograd.grad(loss, [w, b])
                with torch.no_grad():
                    w.sub_(0.01 * gw)
                    b.sub_(0.01 * gb)
        cases["torch eager"] = torch_epoch
    if "jax" in peers:
        jax = peers["jax"]
        jnp = jax.numpy

        @jax.jit
        def step(w, b, xk, yk):
            gw, gb = jax.grad(lambda w, b: (w * xk + b - yk) ** 2, argnums=(0, 1))(w, b)
            return w - 0.01 * gw, b - 0.01 * gb
        x, y = jnp.array([1., 3., 5., 7.]), jnp.array([2., 3., 4., 5.])
        xs, ys = [x[k] for k in range(4)], [y[k] for k in range(4)]
        state = [jnp.float32(1.), jnp.float32(0.5)]
        step(state[0], state[1], xs[0], ys[0])

        def jax_epoch():
            w, b = state
            for k in range(4):
                w, b = step(w, b, xs[k], ys[k])
            w.block_until_ready()
            state[:] = [w, b]
        cases["jax jit"] = jax_epoch
    return cases


def elementwise_cases(peers, label, x_np):
    bandwidth = label.startswith("bandwidth")
    cases = {}
    if "tensorflow" in peers:
        tf = peers["tensorflow"]
        tx = tf.constant(x_np)
        fn = tf.function((lambda x: (x * 1.5 + 0.25) * 0.5 - x) if bandwidth else
                         (lambda x: tf.maximum(x * 1.5 + 0.25, 0.) * 0.5 + tf.sigmoid(x)))
        cases["tensorflow function"] = lambda: fn(tx).numpy()
    if "torch" in peers:
        torch = peers["torch"]
        tx = torch.from_numpy(x_np)
        cases["torch eager"] = ((lambda: (tx * 1.5 + 0.25) * 0.5 - tx) if bandwidth else
                                (lambda: torch.relu(tx * 1.5 + 0.25) * 0.5 + torch.sigmoid(tx)))
    if "jax" in peers:
        jax = peers["jax"]
        jnp = jax.numpy
        jf = jax.jit((lambda x: (x * 1.5 + 0.25) * 0.5 - x) if bandwidth else
                     (lambda x: jnp.maximum(x * 1.5 + 0.25, 0) * 0.5 + jax.nn.sigmoid(x)))
        jx = jnp.asarray(x_np)
        cases["jax jit"] = lambda: jf(jx).block_until_ready()
    return cases


def mnist_cases(peers, x, y):
    cases = {}
    lim1, lim2 = np.sqrt(6 / (784 + 512)), np.sqrt(6 / (512 + 10))
    if "tensorflow" in peers:
        tf = peers["tensorflow"]
        layers = tf.keras.layers
        model = tf.keras.Sequential([layers.Dense(512, activation="relu"),
                                     layers.Dense(10, activation="softmax")])
        model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        model.fit(x[:1024 + 64], y[:1024 + 64], batch_size=128, epochs=1, verbose=0)
        cases["tensorflow function"] = lambda: model.fit(x, y, batch_size=128, epochs=1,
                                                         verbose=0)
    if "torch" in peers:
        torch = peers["torch"]
        nn = torch.nn
        torch.manual_seed(0)
        net = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10))
        opt = torch.optim.RMSprop(net.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
        lossf = nn.CrossEntropyLoss()
        X, Y = torch.from_numpy(x), torch.from_numpy(y)

        def torch_epoch():
            perm = torch.randperm(len(X))
            for i in range(0, len(X), 128):
                idx = perm[i:i + 128]
                opt.zero_grad()
                lossf(net(X[idx]), Y[idx]).backward()
                opt.step()
        cases["torch eager"] = torch_epoch
    if "jax" in peers:
        jax = peers["jax"]
        jnp = jax.numpy
        k1, k2 = jax.random.split(jax.random.PRNGKey(0))
        params = [jax.random.uniform(k1, (784, 512), minval=-lim1, maxval=lim1), jnp.zeros(512),
                  jax.random.uniform(k2, (512, 10), minval=-lim2, maxval=lim2), jnp.zeros(10)]
        state = [params, [jnp.zeros_like(p) for p in params]]

        def loss_fn(p, xb, yb):
            logits = jax.nn.relu(xb @ p[0] + p[1]) @ p[2] + p[3]
            return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), yb[:, None], 1))

        @jax.jit
        def step(p, s, xb, yb):
            loss, g = jax.value_and_grad(loss_fn)(p, xb, yb)
            s = [0.9 * si + 0.1 * gi * gi for si, gi in zip(s, g)]
            p = [pi - 1e-3 * gi / (jnp.sqrt(si) + 1e-7) for pi, gi, si in zip(p, g, s)]
            return p, s, loss
        rng = np.random.default_rng(0)

        def jax_epoch():
            p, s = state
            perm = rng.permutation(len(x))
            for i in range(0, len(x), 128):
                idx = perm[i:i + 128]
                p, s, loss = step(p, s, x[idx], y[idx])
            loss.block_until_ready()
            state[:] = [p, s]
        jax_epoch()  # trace both batch shapes
        cases["jax jit"] = jax_epoch
    return cases


def cnn_cases(peers, x, y):
    cases = {}
    if "tensorflow" in peers:
        tf = peers["tensorflow"]
        layers = tf.keras.layers
        model = tf.keras.Sequential([
            layers.Input((28, 28, 1)), layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(), layers.Flatten(), layers.Dense(10, activation="softmax")])
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        cases["tensorflow function"] = lambda: model.train_on_batch(x, y)
    if "torch" in peers:
        torch = peers["torch"]
        nn = torch.nn
        net = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                            nn.Linear(32 * 13 * 13, 10))
        opt = torch.optim.SGD(net.parameters(), lr=0.01)
        lossf = nn.CrossEntropyLoss()
        X = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
        Y = torch.from_numpy(y)

        def torch_step():
            opt.zero_grad()
            lossf(net(X), Y).backward()
            opt.step()
        cases["torch eager"] = torch_step
    return cases
