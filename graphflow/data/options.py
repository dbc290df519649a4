"""tf.data.Options: pipeline-wide settings, merged from a dataset's inputs and with_options.

graphflow acts on `deterministic` (the default of map/interleave's `deterministic`) and
`threading.private_threadpool_size` (the worker count AUTOTUNE uses); the other options are
accepted and kept so TF code that sets them runs unchanged.

    >>> options = tf.data.Options()
    >>> options.deterministic = False
    >>> options.experimental_distribute.auto_shard_policy = (
    ...     tf.data.experimental.AutoShardPolicy.OFF)
    >>> tf.data.Dataset.range(3).with_options(options).options().deterministic
    False
"""
import enum


class AutoShardPolicy(enum.IntEnum):
    """How tf.distribute shards a dataset (accepted; graphflow does not distribute input)."""
    OFF = -1
    AUTO = 0
    FILE = 1
    DATA = 2
    HINT = 3


class ExternalStatePolicy(enum.Enum):
    WARN = 0
    IGNORE = 1
    FAIL = 2


class _OptionGroup:
    """A set of named options: each reads as its default until assigned (merging copies only
    assigned values, as TF's Options.merge); unknown names raise."""

    _FIELDS = ()
    _DEFAULTS = {}
    _GROUPS = {}

    def __init__(self):
        object.__setattr__(self, "_values", {})
        for name, cls in self._GROUPS.items():
            object.__setattr__(self, name, cls())

    def __getattr__(self, name):
        if name in type(self)._FIELDS:
            return self._values.get(name, self._DEFAULTS.get(name))
        raise AttributeError(f"{type(self).__name__} has no option {name!r}")

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._FIELDS))

    def __setattr__(self, name, value):
        if name not in self._FIELDS:
            raise AttributeError(f"Cannot set the property {name} on {type(self).__name__}.")
        self._values[name] = value

    def _merge_from(self, other):
        self._values.update(other._values)
        for name in self._GROUPS:
            getattr(self, name)._merge_from(getattr(other, name))

    def _copy(self):
        out = type(self)()
        out._merge_from(self)
        return out

    def __eq__(self, other):
        return type(self) is type(other) and all(
            getattr(self, n) == getattr(other, n) for n in self._FIELDS + tuple(self._GROUPS))

    __hash__ = None

    def __repr__(self):
        set_ = [f"{n}={v!r}" for n, v in self._values.items()]
        set_ += [f"{n}={getattr(self, n)!r}" for n in self._GROUPS if getattr(self, n)._values]
        return f"{type(self).__name__}({', '.join(set_)})"


class AutotuneOptions(_OptionGroup):
    _FIELDS = ("enabled", "cpu_budget", "ram_budget", "autotune_algorithm", "initial_parallelism")


class ThreadingOptions(_OptionGroup):
    _FIELDS = ("private_threadpool_size", "max_intra_op_parallelism")


class OptimizationOptions(_OptionGroup):
    _FIELDS = ("apply_default_optimizations", "filter_fusion", "filter_parallelization",
               "inject_prefetch", "map_and_batch_fusion", "map_and_filter_fusion",
               "map_fusion", "map_parallelization", "noop_elimination", "parallel_batch",
               "shuffle_and_repeat_fusion", "seq_interleave_prefetch", "warm_start")


class DistributeOptions(_OptionGroup):
    _FIELDS = ("auto_shard_policy", "num_devices")
    _DEFAULTS = {"auto_shard_policy": AutoShardPolicy.AUTO}


class Options(_OptionGroup):
    """tf.data.Options (see the module docstring)."""

    _FIELDS = ("deterministic", "experimental_slack", "experimental_external_state_policy",
               "experimental_symbolic_checkpoint", "experimental_warm_start", "dataset_name",
               "framework_type")
    _GROUPS = {"autotune": AutotuneOptions, "threading": ThreadingOptions,
               "experimental_optimization": OptimizationOptions,
               "experimental_distribute": DistributeOptions}

    @property
    def experimental_deterministic(self):
        return self.deterministic

    @property
    def experimental_threading(self):
        return self.threading

    def merge(self, options):
        """A new Options with `options`' set values overriding this one's."""
        out = self._copy()
        if options is not None:
            out._merge_from(options)
        return out

    def __setattr__(self, name, value):
        if name in ("experimental_deterministic",):
            object.__setattr__(self, "deterministic", value)
            return
        super().__setattr__(name, value)
