"""compile / fit / evaluate / predict for Keras models.

The train step (forward, loss, gradients, optimizer update, metric updates) is one
`graphflow.function` with reduce_retracing, so it compiles to one optimized graph and a partial
last batch adds one relaxed trace instead of a retrace per epoch; `run_eagerly=True` runs the same
step eagerly for debugging.

    >>> from graphflow import keras
    >>> model = keras.Sequential([keras.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> history = model.fit(np.ones((8, 2), np.float32), np.ones(8), epochs=2, verbose=0)
    >>> sorted(history.history)
    ['loss']
"""
import inspect
import numbers
import warnings
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Union

import numpy as np

from graphflow.errors import InvalidArgumentError
from graphflow.keras import distributed as _distribute
from graphflow.keras import data_adapter
from graphflow.keras.data_adapter import pack_x_y_sample_weight, unpack_x_y_sample_weight
from graphflow.utils import nest

if TYPE_CHECKING:  # annotations only; the callbacks module is imported where it is used
    from graphflow.keras.callbacks import History


class Trainer:
    def __init__(self):
        self.compiled = False
        self.optimizer = None
        self.stop_training = False
        self.history = None
        self._train_fn = self._test_fn = self._predict_fn = None

    # -- compile -------------------------------------------------------------------------------
    def compile(self, optimizer: Any = "rmsprop", loss: Any = None, metrics: Any = None,
                loss_weights: Any = None, weighted_metrics: Any = None, run_eagerly: bool = False,
                steps_per_execution: int = 1, jit_compile: Union[bool, str] = "auto") -> None:
        """Configures training: optimizer, loss(es), metrics, loss weights."""
        from graphflow.keras import optimizers
        self.optimizer = optimizers.get(optimizer)
        self._loss_spec = loss
        self._metrics_spec = metrics
        self._weighted_metrics_spec = weighted_metrics
        self._loss_weights_spec = loss_weights
        self.run_eagerly = bool(run_eagerly)
        self.compiled = True
        self._compiled_outputs = None
        self._train_fn = self._test_fn = self._predict_fn = None
        _distribute.on_compile(self)  # a strategy scope makes fit data-parallel

    def _check_compiled(self, what):
        if not self.compiled:
            raise InvalidArgumentError(
                f"You must call `compile()` before using the model for {what}")

    # -- losses and metrics per output ---------------------------------------------------------
    def _output_names(self, y_pred):
        flat = nest.flatten(y_pred)
        names = getattr(self, "output_names", None)
        if names and len(names) == len(flat):
            return list(names)
        return [f"output_{i + 1}" for i in range(len(flat))] if len(flat) > 1 else ["output"]

    def _per_output(self, spec, names, what):
        """Spreads a loss/metric spec over outputs: one value for all, a list, or a dict."""
        if isinstance(spec, dict):
            unknown = set(spec) - set(names)
            if unknown:
                raise InvalidArgumentError(
                    f"compile: {what} given for unknown outputs {sorted(unknown)}; the model's "
                    f"outputs are {names}")
            return [spec.get(n) for n in names]
        if isinstance(spec, (list, tuple)) and len(names) > 1 and (
                what != "metrics" or (spec and isinstance(spec[0], (list, tuple, dict)))):
            if len(spec) != len(names):
                raise InvalidArgumentError(
                    f"compile: {len(spec)} {what} given for {len(names)} outputs {names}")
            return list(spec)
        return [spec] * len(names)

    def _build_compiled(self, y_true, y_pred):
        """Resolves losses, metrics and loss weights against the model's outputs (once)."""
        from graphflow.keras import losses, metrics as metrics_mod
        names = self._output_names(y_pred)
        flat_pred = nest.flatten(y_pred)
        loss_specs = self._per_output(self._loss_spec, names, "losses")
        if all(s is None for s in loss_specs):
            raise InvalidArgumentError(
                "No loss to compute. Provide a `loss` argument in `compile()`.")
        weights = self._loss_weights_spec
        if weights is None:
            weights = [1.0] * len(names)
        elif isinstance(weights, dict):
            weights = [float(weights.get(n, 1.0)) for n in names]
        else:
            weights = [float(w) for w in nest.flatten(weights)]
        metric_specs = self._per_output(self._metrics_spec or [], names, "metrics")
        weighted_specs = self._per_output(self._weighted_metrics_spec or [], names, "metrics")
        flat_true = self._flatten_targets(y_true, names)
        outputs = []
        for i, name in enumerate(names):
            loss = None if loss_specs[i] is None else losses.get(loss_specs[i])
            ms = []  # (metric, whether sample weights apply to it)
            for specs, weighted in ((metric_specs[i], False), (weighted_specs[i], True)):
                for spec in nest.flatten(specs) if specs else []:
                    if spec in ("accuracy", "acc"):
                        spec = metrics_mod.resolve_accuracy(
                            loss, flat_true[i].shape if flat_true else None, flat_pred[i].shape)
                    m = metrics_mod.get(spec)
                    if weighted and any(_metric_name(other) == _metric_name(m) for other, _ in ms):
                        m._name_prefix = "weighted"  # Keras's name when both kinds are asked for
                    if len(names) > 1:
                        m._name_prefix = f"{name}_{m._name_prefix}" if getattr(
                            m, "_name_prefix", None) else name
                    ms.append((m, weighted))
            outputs.append({"name": name, "loss": loss, "weight": weights[i], "metrics": ms})
        self._loss_tracker = metrics_mod.Mean(name="loss")
        for out in outputs:
            out["tracker"] = metrics_mod.Mean(name=f"{out['name']}_loss") if len(names) > 1 \
                else None
        self._compiled_outputs = outputs

    def _flatten_targets(self, y_true, names):
        if y_true is None:
            return None
        if isinstance(y_true, dict):
            missing = [n for n in names if n not in y_true]
            if missing:
                raise InvalidArgumentError(
                    f"Target data is missing for outputs {missing}; expected keys {names}, got "
                    f"{sorted(y_true)}")
            return [y_true[n] for n in names]
        flat = nest.flatten(y_true)
        if len(flat) != len(names):
            raise InvalidArgumentError(
                f"The model has {len(names)} outputs {names} but {len(flat)} target arrays were "
                "given")
        return flat

    def __setattr__(self, name, value):
        # Metrics assigned as attributes (self.loss_tracker = keras.metrics.Mean(name="loss"))
        # are listed in `metrics` and reset with them, as Keras tracks them.
        from graphflow.keras.metrics import Metric
        if isinstance(value, Metric) and not name.startswith("_"):
            tracked = self.__dict__.setdefault("_tracked_metrics", [])
            if not any(value is m for m in tracked):
                tracked.append(value)
        super().__setattr__(name, value)

    @property
    def metrics(self):
        """The loss tracker (once compiled), the per-output loss trackers, the compiled metrics,
        then the metrics assigned as attributes of the model (Keras's order); `fit` resets them
        at each epoch start.

            >>> model = keras.Sequential([keras.layers.Dense(1)])
            >>> model.compile(loss="mse", metrics=["mae"])
            >>> _ = model.fit(np.ones((4, 2)), np.ones(4), verbose=0)
            >>> [m.name for m in model.metrics]
            ['loss', 'mae']
        """
        out = [self._loss_tracker] if self._compiled_outputs is not None else []
        for o in self._compiled_outputs or []:
            if o["tracker"] is not None:
                out.append(o["tracker"])
        for o in self._compiled_outputs or []:
            out += [m for m, _ in o["metrics"]]
        for m in self.__dict__.get("_tracked_metrics", []) + self._layer_metrics():
            if not any(m is other for other in out):
                out.append(m)
        return out

    def _layer_metrics(self):
        """The add_metric() trackers of the model's layers (tf.keras 2)."""
        return [m for layer in self._flatten_layers()
                for m in layer.__dict__.get("_added_metrics", {}).values()]

    @property
    def metrics_names(self):
        return [_metric_name(m) for m in self.metrics]

    def reset_metrics(self):
        for m in self.metrics:
            m.reset_state()

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The total loss of a batch as a scalar: the compiled losses (weighted by
        loss_weights) plus `self.losses` (Keras 3). Call it from an overridden train_step.

            >>> model = keras.Sequential([keras.layers.Dense(1, kernel_initializer="ones")])
            >>> model.compile(loss="mse")
            >>> x, y = np.ones((2, 1), np.float32), np.zeros((2, 1), np.float32)
            >>> float(model.compute_loss(x, y, model(x)))
            1.0
        """
        if self._compiled_outputs is None and y_pred is not None:
            self._build_compiled(y, y_pred)
        return self._compute_losses(y, y_pred, sample_weight)[0]

    def _compute_losses(self, y, y_pred, sample_weight, regularization_losses=None):
        """(total, per-output losses); the total adds `regularization_losses` (self.losses by
        default)."""
        total = None
        per_output = []
        if self._compiled_outputs:
            names = [o["name"] for o in self._compiled_outputs]
            flat_true = self._flatten_targets(y, names)
            flat_pred = nest.flatten(y_pred)
            for o, yt, yp in zip(self._compiled_outputs, flat_true, flat_pred):
                if o["loss"] is None:
                    per_output.append(None)
                    continue
                value = o["loss"](yt, yp, sample_weight)
                per_output.append(value)
                term = value * o["weight"] if o["weight"] != 1.0 else value
                total = term if total is None else total + term
        extra = self.losses if regularization_losses is None else regularization_losses
        for reg in extra:
            total = reg if total is None else total + reg
        if total is None:
            raise InvalidArgumentError(
                "No loss to compute. Provide a `loss` argument in `compile()`.")
        return total, per_output

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Updates the compiled metrics (not the loss trackers) and returns every metric's
        result by name (Keras 3's `compute_metrics`)."""
        self._update_compiled_metrics(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self):
        """{name: result} of every metric in `metrics`."""
        return _results(self.metrics)

    @property
    def compiled_loss(self):
        """tf.keras 2's loss container: `self.compiled_loss(y, y_pred, sample_weight,
        regularization_losses=self.losses)` returns the total loss and updates the "loss"
        tracker."""
        return _CompiledLoss(self)

    @property
    def compiled_metrics(self):
        """tf.keras 2's metrics container: `self.compiled_metrics.update_state(y, y_pred)`."""
        return _CompiledMetrics(self)

    def _update_metrics(self, y, y_pred, total, per_output, sample_weight):
        self._update_loss_trackers(y_pred, total, per_output)
        self._update_compiled_metrics(y, y_pred, sample_weight)
        return _results(self.metrics)

    def _update_loss_trackers(self, y_pred, total, per_output):
        from graphflow.ops import api as ops
        # Losses are averaged over the epoch weighted by batch size, so a partial last batch
        # counts for what it holds (Keras 3).
        batch = ops.cast(ops.shape(nest.flatten(y_pred)[0])[0], self._loss_tracker.dtype)
        self._loss_tracker.update_state(total, sample_weight=batch)
        for o, value in zip(self._compiled_outputs or [], per_output):
            if o["tracker"] is not None and value is not None:
                o["tracker"].update_state(value, sample_weight=batch)

    def _update_compiled_metrics(self, y, y_pred, sample_weight):
        if not self._compiled_outputs:
            return
        names = [o["name"] for o in self._compiled_outputs]
        flat_true = self._flatten_targets(y, names)
        flat_pred = nest.flatten(y_pred)
        for o, yt, yp in zip(self._compiled_outputs, flat_true, flat_pred):
            for m, weighted in o["metrics"]:
                if weighted and sample_weight is not None:
                    m.update_state(yt, yp, sample_weight=sample_weight)
                else:
                    m.update_state(yt, yp)

    # -- steps ---------------------------------------------------------------------------------
    def train_step(self, data):
        """One training step on a batch: `data` is x, (x, y) or (x, y, sample_weight) as fit
        gives it. Override it for custom training (it is compiled like the built-in one);
        return a dict of metric results or tensors, which become the logs."""
        from graphflow.autodiff import GradientTape
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            total, per_output = self._step_losses(x, y, y_pred, sample_weight, True)
            # Keras differentiates the optimizer's scaled loss (loss_scale_factor,
            # LossScaleOptimizer) and tracks the unscaled one.
            scale_loss = getattr(self.optimizer, "scale_loss", None)
            scaled = scale_loss(total) if scale_loss is not None else total
        variables = self.trainable_variables
        if variables:
            grads = tape.gradient(scaled, variables)
            self.optimizer.apply_gradients(zip(grads, variables))
        else:  # Keras trains (evaluates the loss and metrics) and warns
            import warnings
            warnings.warn("The model does not have any trainable weights.", stacklevel=2)
        return self._update_metrics(y, y_pred, total, per_output, sample_weight)

    def test_step(self, data):
        """One evaluation step on x, (x, y) or (x, y, sample_weight)."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        total, per_output = self._step_losses(x, y, y_pred, sample_weight, False)
        return self._update_metrics(y, y_pred, total, per_output, sample_weight)

    def _step_losses(self, x, y, y_pred, sample_weight, training):
        """The built-in steps' losses: through an overridden compute_loss when the model has
        one (Keras 3 calls it from its train_step), else per output."""
        if type(self).compute_loss is Trainer.compute_loss:
            return self._compute_losses(y, y_pred, sample_weight)
        if "training" in inspect.signature(self.compute_loss).parameters:
            total = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight,
                                      training=training)
        else:  # written for Keras before 3.3
            total = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight)
        return total, [None] * len(self._compiled_outputs or [])

    def predict_step(self, data):
        """The model's outputs for one batch (x, or a tuple whose first item is x)."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    def _step_function(self, kind):
        """The (compiled unless run_eagerly) step callable for 'train', 'test' or 'predict'."""
        attr = f"_{kind}_fn"
        fn = getattr(self, attr)
        if fn is None:
            from graphflow.graph.function import function
            step = {"train": self.train_step, "test": self.test_step,
                    "predict": self.predict_step}[kind]
            fn = step if getattr(self, "run_eagerly", False) else function(
                step, reduce_retracing=True, name=f"{kind}_step")
            setattr(self, attr, fn)
        return fn

    def _ensure_compiled_for(self, x, y):
        """Resolves losses and metrics on the first batch, from eager outputs (shapes). A model
        compiled without loss or metrics (its train_step computes its own) needs no forward
        pass: it may have no call() at all, like a GAN of two sub-models."""
        from graphflow.keras.layers.base import discarding_call_effects
        if self._compiled_outputs is None:
            if self._loss_spec is None and not self._metrics_spec and \
                    not self._weighted_metrics_spec:
                from graphflow.keras import metrics as metrics_mod
                from graphflow.keras.models import Model
                self._loss_tracker = metrics_mod.Mean(name="loss")
                self._compiled_outputs = []
                if not self.built and (type(self).call is not Model.call or
                                       getattr(self, "_is_graph_network", False)):
                    with discarding_call_effects():  # build the weights eagerly, not in a trace
                        self(x, training=False)
                return
            with discarding_call_effects():  # only the output shapes are wanted here
                y_pred = self(x, training=False)
            self._build_compiled(y, y_pred)

    def _build_optimizer(self):
        """Creates the compiled optimizer's slots before the step is traced, as Keras 3's fit
        does: a first trace that created them would be traced again (graphflow.function checks,
        as TF's, that variables are created once)."""
        opt = getattr(self, "optimizer", None)
        if opt is not None and hasattr(opt, "build") and not getattr(opt, "built", False) \
                and self.built and not getattr(self, "run_eagerly", False):
            opt.build(self.trainable_variables)

    def _run_step(self, kind, x, y, w):
        x = self._adjust_inputs(x)
        fn = self._step_function(kind)
        if kind != "predict":
            with _distribute.step_scope(self):
                self._ensure_compiled_for(x, y)
                if kind == "train":
                    self._build_optimizer()
        data = pack_x_y_sample_weight(x, y, w)
        gpu = self._weights_gpu()
        with _distribute.step_scope(self):  # the model's strategy: gradients all-reduced
            if gpu is None:
                out = fn(data)
            else:
                from graphflow.devices import device
                with device(gpu.short_name):  # steps run where the weights live
                    out = fn(data)
        return _distribute.step_results(self, kind, out)  # metrics over all replicas

    def _weights_gpu(self):
        """The GPU holding the model's weights, when no graphflow.device scope says otherwise
        (a model built under `with graphflow.device("/GPU:0")` trains there); else None."""
        from graphflow.context import context
        if context.device_stack:
            return None
        dev = getattr(self, "_weights_device", None)
        if dev is None:
            weights = self.weights
            if not weights:
                return None
            dev = self._weights_device = weights[0]._dev or "cpu"
        return None if dev == "cpu" else dev

    # -- fit -----------------------------------------------------------------------------------
    def fit(self, x: Any = None, y: Any = None, batch_size: Optional[int] = None,
            epochs: int = 1, verbose: Union[int, str] = "auto", callbacks: Optional[list] = None,
            validation_split: float = 0.0, validation_data: Any = None, shuffle: bool = True,
            class_weight: Optional[dict] = None, sample_weight: Any = None,
            initial_epoch: int = 0, steps_per_epoch: Optional[int] = None,
            validation_steps: Optional[int] = None, validation_batch_size: Optional[int] = None,
            validation_freq: Any = 1) -> "History":
        """Trains for `epochs` epochs; returns a History whose .history has loss, metrics and
        val_ entries per epoch."""
        from graphflow.keras import callbacks as cb
        from graphflow.keras.utils.progbar import Progbar
        self._check_compiled("training")
        check = data_adapter.check_count
        verbose = _verbosity("fit", verbose)
        batch_size = check("fit", "batch_size", batch_size)
        epochs = check("fit", "epochs", epochs, minimum=0, optional=False)
        initial_epoch = check("fit", "initial_epoch", initial_epoch, minimum=0, optional=False)
        steps_per_epoch = check("fit", "steps_per_epoch", steps_per_epoch)
        validation_steps = check("fit", "validation_steps", validation_steps)
        validation_batch_size = check("fit", "validation_batch_size", validation_batch_size)
        should_validate = _validation_schedule(validation_freq)
        from graphflow.keras import config
        if config.max_epochs() and config.max_epochs() < epochs:  # a debugging cap, as Keras
            warnings.warn(f"Limiting epochs to {config.max_epochs()}")
            epochs = config.max_epochs()
        steps_per_epoch = _capped_steps(steps_per_epoch)
        validation_steps = _capped_steps(validation_steps)
        if isinstance(validation_split, bool) or not isinstance(validation_split, numbers.Real) \
                or not 0 <= validation_split < 1:
            raise InvalidArgumentError(
                f"fit: validation_split must be a float in [0, 1), got {validation_split!r:.60}")
        if callbacks is not None and not isinstance(callbacks, (list, tuple)):
            callbacks = [callbacks]  # one Callback, as Keras accepts
        data = data_adapter.adapt(x, y, sample_weight, batch_size, shuffle, class_weight,
                                  steps_per_epoch)
        val_data = None
        if validation_data is not None:
            val_data = self._validation_adapter(validation_data, validation_batch_size or batch_size,
                                                validation_steps)
        elif validation_split:
            if not isinstance(data, data_adapter.ArrayData):
                raise InvalidArgumentError(
                    "Argument `validation_split` is only supported for tensors or NumPy arrays, "
                    f"not {type(x).__name__} (a generator, Dataset or PyDataset)")
            data, val_data = data.split(float(validation_split))
        data = _distribute.distribute_data(self, data)  # this replica's part of each batch
        val_data = _distribute.distribute_data(self, val_data)
        history = cb.History()
        callback_list = cb.CallbackList(list(callbacks or []) + [history], model=self,
                                        verbose=verbose, epochs=epochs,
                                        steps=data.num_batches())
        bar_verbose = _bar_verbosity(callbacks, verbose)
        self.stop_training = False
        self._initial_epoch = None
        callback_list.on_train_begin()
        # BackupAndRestore sets the epoch to resume from in on_train_begin, as in Keras 3
        initial_epoch = self._initial_epoch or initial_epoch
        logs = {}
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            callback_list.on_epoch_begin(epoch)
            if bar_verbose and epochs > 1:  # Keras prints no "Epoch 1/1"
                from graphflow.keras.utils.io_utils import print_msg
                print_msg(f"Epoch {epoch + 1}/{epochs}")
            bar = Progbar(data.num_batches(), verbose=bar_verbose, stateless_metrics=())
            step = 0
            results = {}
            for x_b, y_b, w_b in data.batches():
                callback_list.on_train_batch_begin(step)
                results = self._run_step("train", x_b, y_b, w_b)
                step += 1
                logs = _to_floats(results)
                callback_list.on_train_batch_end(step - 1, logs)
                bar.update(step, logs, finalize=False)
                if _distribute.stop_training(self):  # the same decision on every replica
                    break
            if step == 0:
                raise InvalidArgumentError("fit: the data produced no batches")
            epoch_logs = dict(logs)
            if val_data is not None and should_validate(epoch + 1):
                val_logs = self._evaluate_data(val_data, callback_list)
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            bar.update(step, epoch_logs, finalize=True)
            callback_list.on_epoch_end(epoch, epoch_logs)
            if _distribute.stop_training(self):
                break
        finalize = getattr(self.optimizer, "finalize_variable_values", None)
        if finalize is not None and epochs > 0:  # use_ema: the averages become the weights
            finalize(self.trainable_variables)
        callback_list.on_train_end(logs)
        return history

    def _validation_adapter(self, validation_data, batch_size, steps):
        if isinstance(validation_data, list) and len(validation_data) in (2, 3) and not \
                isinstance(validation_data[0], (int, float)):
            validation_data = tuple(validation_data)  # Keras unpacks a list like a tuple
        if isinstance(validation_data, tuple):
            if len(validation_data) not in (2, 3):
                raise InvalidArgumentError(
                    "validation_data must be (x_val, y_val) or (x_val, y_val, val_sample_weight)")
            vx, vy = validation_data[0], validation_data[1]
            vw = validation_data[2] if len(validation_data) == 3 else None
            return data_adapter.adapt(vx, vy, vw, batch_size or 32, False, None, steps)
        return data_adapter.adapt(validation_data, None, None, batch_size or 32, False, None, steps)

    def _evaluate_data(self, data, callback_list=None):
        """Validation inside fit; as Keras 3 (fit calls evaluate), the callbacks see
        on_test_begin / on_test_batch_* / on_test_end with unprefixed logs."""
        self.reset_metrics()
        if callback_list is not None:
            callback_list.on_test_begin()
        results, step = {}, 0
        for x_b, y_b, w_b in data.batches():
            if callback_list is not None:
                callback_list.on_test_batch_begin(step)
            results = self._run_step("test", x_b, y_b, w_b)
            if callback_list is not None:
                callback_list.on_test_batch_end(step, _to_floats(results))
            step += 1
        if not results:
            raise InvalidArgumentError("evaluate: the data produced no batches")
        logs = _to_floats(results)
        if callback_list is not None:
            callback_list.on_test_end(logs)
        return logs

    # -- evaluate / predict --------------------------------------------------------------------
    def evaluate(self, x: Any = None, y: Any = None, batch_size: Optional[int] = None,
                 verbose: Union[int, str] = "auto", sample_weight: Any = None,
                 steps: Optional[int] = None, callbacks: Optional[list] = None,
                 return_dict: bool = False) -> Union[float, List[float], Dict[str, float]]:
        """The loss and metrics on data: a scalar, a list in metrics_names order, or a dict."""
        from graphflow.keras import callbacks as cb
        from graphflow.keras.utils.progbar import Progbar
        self._check_compiled("evaluation")
        verbose = _verbosity("evaluate", verbose)
        batch_size = data_adapter.check_count("evaluate", "batch_size", batch_size)
        steps = _capped_steps(data_adapter.check_count("evaluate", "steps", steps))
        data = data_adapter.adapt(x, y, sample_weight, batch_size, False, None, steps)
        data = _distribute.distribute_data(self, data)
        callback_list = cb.CallbackList(list(callbacks or []), model=self, verbose=verbose,
                                        steps=data.num_batches())
        callback_list.on_test_begin()
        self.reset_metrics()
        bar = Progbar(data.num_batches(), verbose=_bar_verbosity(callbacks, verbose),
                      stateless_metrics=())
        results, step = {}, 0
        for x_b, y_b, w_b in data.batches():
            callback_list.on_test_batch_begin(step)
            results = self._run_step("test", x_b, y_b, w_b)
            step += 1
            callback_list.on_test_batch_end(step - 1, _to_floats(results))
            bar.update(step, _to_floats(results) if bar.dynamic else None, finalize=False)
        if not results:
            raise InvalidArgumentError("evaluate: the data produced no batches")
        logs = _to_floats(results)
        bar.update(step, logs, finalize=True)
        callback_list.on_test_end(logs)
        if return_dict:
            return logs
        values = [logs[n] for n in self.metrics_names if n in logs]
        return values[0] if len(values) == 1 else values

    def predict(self, x: Any, batch_size: Optional[int] = None,
                verbose: Union[int, str] = "auto", steps: Optional[int] = None,
                callbacks: Optional[list] = None) -> Union[np.ndarray, List[np.ndarray]]:
        """Model outputs for x as NumPy arrays (a list for several outputs)."""
        from graphflow.keras.utils.progbar import Progbar
        verbose = _verbosity("predict", verbose)
        batch_size = data_adapter.check_count("predict", "batch_size", batch_size)
        steps = _capped_steps(data_adapter.check_count("predict", "steps", steps))
        data = data_adapter.adapt(x, None, None, batch_size, False, None, steps)
        data = _distribute.distribute_data(self, data)  # this replica's part of each batch
        from graphflow.keras import callbacks as cb
        callback_list = cb.CallbackList(list(callbacks or []), model=self, verbose=verbose,
                                        epochs=1, steps=data.num_batches())
        callback_list.on_predict_begin()
        bar = Progbar(data.num_batches(), verbose=_bar_verbosity(callbacks, verbose),
                      stateless_metrics=())
        chunks, step = [], 0
        for x_b, _, _ in data.batches():
            callback_list.on_predict_batch_begin(step)
            if _distribute.is_empty_part(x_b):
                chunks.append(None)  # more replicas than samples in this batch
                out = None
            else:
                out = self._run_step("predict", x_b, None, None)
                chunks.append([np.asarray(o) for o in nest.flatten(out)])
            callback_list.on_predict_batch_end(step, {"outputs": out})
            step += 1
            bar.update(step, finalize=False)
        chunks = _distribute.gather_predictions(self, chunks)  # every replica's, in order
        if not chunks:
            raise InvalidArgumentError("predict: the data produced no batches")
        bar.update(step, finalize=True)
        callback_list.on_predict_end()
        merged = [np.concatenate([c[i] for c in chunks]) for i in range(len(chunks[0]))]
        return merged[0] if len(merged) == 1 else merged

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, reset_metrics=True,
                       return_dict=False):
        self._check_compiled("training")
        if reset_metrics:
            self.reset_metrics()
        data = data_adapter.adapt(x, y, sample_weight, None, False, class_weight)
        data.batch_size = data.n
        (x_b, y_b, w_b), = list(data.batches())
        return self._batch_result(self._run_step("train", x_b, y_b, w_b), return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, reset_metrics=True, return_dict=False):
        self._check_compiled("evaluation")
        if reset_metrics:
            self.reset_metrics()
        data = data_adapter.adapt(x, y, sample_weight, None, False)
        data.batch_size = data.n
        (x_b, y_b, w_b), = list(data.batches())
        return self._batch_result(self._run_step("test", x_b, y_b, w_b), return_dict)

    def predict_on_batch(self, x):
        data = data_adapter.adapt(x, None, None, None, False)
        data.batch_size = data.n
        (x_b, _, _), = list(data.batches())
        out = self._run_step("predict", x_b, None, None)
        flat = [np.asarray(o) for o in nest.flatten(out)]
        return flat[0] if len(flat) == 1 else flat

    def _batch_result(self, results, return_dict):
        logs = _to_floats(results)
        if return_dict:
            return logs
        values = [logs[n] for n in self.metrics_names if n in logs]
        return values[0] if len(values) == 1 else values


def _capped_steps(steps):
    """steps under keras.config.max_steps_per_epoch(), with Keras's warning when it caps."""
    from graphflow.keras import config
    cap = config.max_steps_per_epoch()
    if cap and (not steps or cap < steps):
        warnings.warn(f"Limiting steps_per_epoch to {cap}")
        return cap
    return steps


def _bar_verbosity(callbacks, verbose):
    """The verbosity of the trainer's own progress bar: silent when a ProgbarLogger among the
    callbacks prints it (Keras adds its default ProgbarLogger only when there is none)."""
    from graphflow.keras.callbacks import ProgbarLogger
    if callbacks is not None and not isinstance(callbacks, (list, tuple)):
        callbacks = [callbacks]
    return 0 if any(isinstance(c, ProgbarLogger) for c in callbacks or ()) else verbose


def _verbosity(owner, verbose):
    """"auto" (1) or an integer level: 0 silent, 1 progress bar, 2 one line per epoch."""
    if verbose == "auto":
        return _distribute.verbosity(1)  # progress from rank 0 only
    if isinstance(verbose, numbers.Integral):
        return _distribute.verbosity(int(verbose))
    raise InvalidArgumentError(f"{owner}: verbose must be 'auto', 0, 1 or 2, got {verbose!r:.60}")


def _validation_schedule(validation_freq):
    """A predicate on the 1-based epoch: every `validation_freq` epochs (an int), or the listed
    epochs (a list), as Keras."""
    if isinstance(validation_freq, (list, tuple)):
        epochs = set(validation_freq)
        return lambda epoch: epoch in epochs
    freq = data_adapter.check_count("fit", "validation_freq", validation_freq, optional=False)
    return lambda epoch: epoch % freq == 0


class _CompiledLoss:
    """tf.keras 2's `model.compiled_loss`: the compiled losses plus regularization losses;
    calling it updates the model's loss trackers."""

    def __init__(self, model):
        self._model = model

    def __call__(self, y_true, y_pred, sample_weight=None, regularization_losses=None):
        model = self._model
        if model._compiled_outputs is None:
            model._build_compiled(y_true, y_pred)
        total, per_output = model._compute_losses(
            y_true, y_pred, sample_weight,
            regularization_losses=[] if regularization_losses is None else regularization_losses)
        model._update_loss_trackers(y_pred, total, per_output)
        return total

    @property
    def metrics(self):
        model = self._model
        return [model._loss_tracker] + [o["tracker"] for o in model._compiled_outputs or []
                                        if o["tracker"] is not None]


class _CompiledMetrics:
    """tf.keras 2's `model.compiled_metrics`: update_state(y_true, y_pred, sample_weight)."""

    def __init__(self, model):
        self._model = model

    def update_state(self, y_true, y_pred, sample_weight=None):
        model = self._model
        if model._compiled_outputs is None:
            model._build_compiled(y_true, y_pred)
        model._update_compiled_metrics(y_true, y_pred, sample_weight)

    def reset_state(self):
        for m in self.metrics:
            m.reset_state()

    @property
    def metrics(self):
        return [m for o in self._model._compiled_outputs or [] for m, _ in o["metrics"]]


def _results(metrics):
    """{name: result} of metrics; a metric whose result is a dict contributes its items."""
    out = {}
    for m in metrics:
        value = m.result()
        if isinstance(value, dict):
            out.update(value)
        else:
            out[_metric_name(m)] = value
    return out


def _metric_name(metric):
    prefix = getattr(metric, "_name_prefix", None)
    return f"{prefix}_{metric.name}" if prefix else metric.name


def _to_floats(results):
    # Keras 3 sorts the logs by name (pythonify_logs): "accuracy: ... - loss: ..." in the
    # progress line and the same key order in history.history. A train_step may return
    # tensors, numbers or nested dicts of them (flattened, as pythonify_logs does).
    if not isinstance(results, dict):
        raise InvalidArgumentError(
            "train_step/test_step must return a dict of metric results or tensors, got "
            f"{type(results).__name__}")
    flat = {}
    for k, v in results.items():
        if isinstance(v, dict):
            flat.update(v)
        else:
            flat[k] = v
    out = {}
    for k in sorted(flat):
        try:
            value = np.asarray(flat[k])
            # Keras keeps a metric with several values (F1Score(average=None), thresholds
            # lists) as an array in the logs; the progress bar shows its mean.
            out[k] = float(value.reshape(())) if value.ndim == 0 else \
                value.astype(np.float64 if value.dtype == np.float64 else np.float32)
        except (TypeError, ValueError):
            raise InvalidArgumentError(
                f"The step returned {k!r} that is not numeric: {flat[k]!r:.100}") from None
    return out
