"""Converting Python functions: which ones, from what source, compiled how, cached where.

`convert(f)` finds the source of f's code object in its file, transforms the AST (transformer.py)
and compiles it with f's file name and line numbers, so tracebacks and debuggers point at the
user's own lines. The compiled code is cached per code object (and conversion options), and
each function object gets an instance of it built with that function's globals, defaults and
closure cells, so closures and globals resolve exactly as in the original (later rebinding
included). The converted code reaches the operators through a closure variable `ag__`.

`converted_call(f, args, kwargs)` is how converted code calls anything: user functions,
methods, lambdas and callable objects are converted recursively; graphflow's own code and other
libraries, builtins (some through overloads that understand tensors), classes, and functions
marked `do_not_convert` are called as they are. A function whose source is unavailable runs
unconverted, with a one-time warning, as in TF.

    >>> def f(x):
    ...     if x > 0:
    ...         x = -x
    ...     return x
    >>> convert(f)(3)
    -3
"""
import __future__
import ast
import copy
import functools
import hashlib
import inspect
import linecache
import logging
import sys
import threading
import types

from graphflow.autograph import operators, transformer
from graphflow.errors import GraphflowError

logger = logging.getLogger("graphflow")

# Modules whose functions are never converted: graphflow itself, the standard library, and the
# libraries TF's AutoGraph leaves alone.
DO_NOT_CONVERT = frozenset(sys.stdlib_module_names) | {
    "graphflow", "numpy", "numba", "scipy", "pandas", "matplotlib", "PIL", "networkx",
    "graphviz", "tensorflow", "keras", "tf_keras", "torch", "jax", "absl", "h5py", "pytest",
    "_pytest", "hypothesis", "IPython", "ipdb", "mock"}

_DO_NOT_CONVERT_ATTR = "__graphflow_do_not_convert__"
# Functions whose control flow is tied to their frame: never converted.
_FRAME_BOUND = inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR


class ConversionOptions:
    """How converted code converts: with `builtin_functions`, print becomes tf.print for
    tensors (TF's Feature.BUILTIN_FUNCTIONS); with `recursive` False, called functions are
    not converted."""

    __slots__ = ("builtin_functions", "recursive", "ag")

    def __init__(self, builtin_functions=False, recursive=True):
        self.builtin_functions = bool(builtin_functions)
        self.recursive = bool(recursive)
        self.ag = None

    @property
    def key(self):
        return (self.builtin_functions, self.recursive)


class ConversionError(GraphflowError):
    """A function could not be converted (its source is unavailable, or it cannot be parsed)."""


class _Converted:
    """The converted code of one original code object, for one set of options."""

    __slots__ = ("code", "source", "node")

    def __init__(self, code, source, node):
        self.code = code        # code object of the converted function (free vars: ag__, ...)
        self.source = source    # the converted function's source, for to_code
        self.node = node        # its AST


_lock = threading.RLock()
_cache = {}            # (code object, options key) -> _Converted
_failed = {}           # (code object, options key) -> ConversionError
_generated = set()     # every code object conversion produced (never converted again)
_library_codes = set()  # code objects of library functions seen (never converted)
_warned = set()        # code objects already warned about
_namespaces = {}       # options key -> the ag__ namespace of converted code
_parsed_files = {}     # (file name, sha1 of its text) -> module AST
_verbosity = {"level": 0, "stdout": False}  # tf.autograph.set_verbosity


def set_verbosity(level, alsologtostdout=False):
    _verbosity["level"], _verbosity["stdout"] = level, alsologtostdout


def _log(level, message, *args):
    """A conversion decision, logged at the verbosity set by tf.autograph.set_verbosity."""
    if _verbosity["level"] >= level:
        logger.info(message, *args)
        if _verbosity["stdout"]:
            print(message % args)


# -- marking -----------------------------------------------------------------------------------

def do_not_convert(func=None):
    """Marks a function so AutoGraph never converts it (nor, since it then runs as plain
    Python, anything it calls).

        >>> @do_not_convert
        ... def f(x):
        ...     return x
        >>> is_marked_do_not_convert(f)
        True
    """
    if func is None:
        return do_not_convert
    try:
        setattr(func, _DO_NOT_CONVERT_ATTR, True)
        return func
    except (AttributeError, TypeError):  # a builtin or a bound method: wrap it
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            return func(*args, **kwargs)
        setattr(wrapper, _DO_NOT_CONVERT_ATTR, True)
        return wrapper


def is_marked_do_not_convert(f):
    return getattr(f, _DO_NOT_CONVERT_ATTR, False) is True


def is_generated(f):
    """True for functions that conversion produced (they are already converted)."""
    return getattr(f, "__code__", None) in _generated


def _module_name(f):
    module = getattr(f, "__module__", None)
    if module is None:
        module = getattr(getattr(f, "__globals__", None), "get", lambda k: None)("__name__")
    return module or ""


def is_library(f):
    """Functions of graphflow, the standard library and other libraries (see DO_NOT_CONVERT)."""
    return _module_name(f).split(".")[0] in DO_NOT_CONVERT


# -- finding the source ------------------------------------------------------------------------

def _module_ast(filename, module_globals):
    lines = linecache.getlines(filename, module_globals)
    if not lines:
        raise ConversionError("could not get source code")
    text = "".join(lines)
    key = (filename, hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest())
    with _lock:
        tree = _parsed_files.get(key)
        if tree is None:
            try:
                tree = ast.parse(text, filename)
            except SyntaxError as e:
                raise ConversionError(f"could not parse the source of {filename}: {e}") from None
            _parsed_files[key] = tree
    return tree


def _code_arg_names(code):
    n = code.co_argcount + code.co_kwonlyargcount
    names = list(code.co_varnames[:n])
    i = n
    if code.co_flags & inspect.CO_VARARGS:
        names.append(code.co_varnames[i])
        i += 1
    if code.co_flags & inspect.CO_VARKEYWORDS:
        names.append(code.co_varnames[i])
    return names


def _node_arg_names(args):
    names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    if args.vararg:
        names.append(args.vararg.arg)
    if args.kwarg:
        names.append(args.kwarg.arg)
    return names


def _contains(node, line, col):
    start = (node.lineno, node.col_offset)
    end = (node.end_lineno, node.end_col_offset)
    return start <= (line, col) < end


def find_node(code, module_globals):
    """The FunctionDef or Lambda node of `code` in its file (a deep copy, to transform)."""
    tree = _module_ast(code.co_filename, module_globals)
    args = _code_arg_names(code)
    if code.co_name == "<lambda>":
        positions = [(p[0], p[2]) for p in code.co_positions()
                     if p[0] is not None and p[2] is not None and (p[2], p[3]) != (0, 0)]
        lambdas = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda) and
                   n.lineno <= code.co_firstlineno <= n.end_lineno and
                   _node_arg_names(n.args) == args]
        if positions:
            inside = [n for n in lambdas if _contains(n.body, *positions[0])]
            lambdas = inside or lambdas
        lambdas.sort(key=lambda n: (n.end_lineno - n.lineno, n.end_col_offset - n.col_offset))
        if not lambdas:
            raise ConversionError("could not find the lambda in its source file")
        return copy.deepcopy(lambdas[0])
    for n in ast.walk(tree):
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == code.co_name:
            first = n.decorator_list[0].lineno if n.decorator_list else n.lineno
            if code.co_firstlineno in (n.lineno, first) and _node_arg_names(n.args) == args:
                return copy.deepcopy(n)
    raise ConversionError(
        f"could not find the definition of {code.co_name} at line {code.co_firstlineno} of "
        f"{code.co_filename} (was the file changed after it was imported?)")


# -- converting --------------------------------------------------------------------------------

def _future_flags(code):
    flags = 0
    for name in __future__.all_feature_names:
        feature = getattr(__future__, name)
        if code.co_flags & feature.compiler_flag:
            flags |= feature.compiler_flag
    return flags


def _class_of_method(fn):
    """The innermost class whose body encloses fn's definition (its private names are mangled
    with it), from the qualname: a component followed by <locals> is a function, the others
    before fn's own name are classes ("C.m.<locals>.inner" -> "C")."""
    parts = fn.__qualname__.split(".")[:-1]
    for i in range(len(parts) - 1, -1, -1):
        follows = parts[i + 1] if i + 1 < len(parts) else None
        if parts[i] != "<locals>" and follows != "<locals>":
            return parts[i]
    return None


def _compile(fn, options):
    code = fn.__code__
    node = find_node(code, fn.__globals__)
    ctx = transformer.Context(builtin_functions=options.builtin_functions,
                              class_name=_class_of_method(fn))
    if isinstance(node, ast.Lambda):
        node = transformer.convert_lambda(node, ctx)
        result_expr = node
        body = [ast.Return(value=node)]
    else:
        if not transformer.convertible(node):
            raise ConversionError("generators and coroutines are not converted")
        if "__class__" in code.co_freevars and node.args.args:
            ctx.super_self = (node.args.posonlyargs + node.args.args)[0].arg
        node = transformer.convert_function(node, ctx)
        result_expr = None
        body = [node, ast.Return(value=ast.Name(id=node.name, ctx=ast.Load()))]
        if node.name not in code.co_freevars:
            # The def must not bind its name in the factory: a recursive call would then reach
            # the converted function through a closure, not the global the original reads.
            body.insert(0, ast.Global(names=[node.name]))
    params = ["ag__"] + [v for v in code.co_freevars if v != "ag__"]
    factory = ast.FunctionDef(
        name="__autograph_factory",
        args=ast.arguments(posonlyargs=[], args=[ast.arg(arg=p) for p in params], vararg=None,
                           kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]),
        body=body, decorator_list=[], returns=None)
    if "type_params" in ast.FunctionDef._fields:
        factory.type_params = []
    ast.copy_location(factory, node)
    for stmt in body:
        ast.copy_location(stmt, node)
    module = ast.fix_missing_locations(ast.Module(body=[factory], type_ignores=[]))
    try:
        module_code = compile(module, code.co_filename, "exec", flags=_future_flags(code),
                              dont_inherit=True)
    except SyntaxError as e:
        raise ConversionError(f"the converted code does not compile: {e}") from e
    factory_code = next(c for c in module_code.co_consts if isinstance(c, types.CodeType))
    target_name = "<lambda>" if result_expr is not None else node.name
    converted = next(c for c in factory_code.co_consts
                     if isinstance(c, types.CodeType) and c.co_name == target_name)
    _register_generated(module_code)
    return _Converted(converted, ast.unparse(node), node)


def _register_generated(code):
    _generated.add(code)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            _register_generated(c)


def _converted_code(fn, options):
    key = (fn.__code__, options.key)
    with _lock:
        found = _cache.get(key)
        if found is not None:
            return found
        failure = _failed.get(key)
        if failure is not None:
            raise failure
        try:
            found = _compile(fn, options)
        except ConversionError as e:
            _failed[key] = e
            raise
        except (SyntaxError, ValueError, TypeError, KeyError, AttributeError) as e:
            error = ConversionError(f"{type(e).__name__}: {e}")
            _failed[key] = error
            raise error from e
        _cache[key] = found
        return found


def namespace(options):
    """The `ag__` object converted code sees: the operators, and converted_call bound to the
    options it was converted with."""
    with _lock:
        ns = _namespaces.get(options.key)
        if ns is None:
            ns = types.SimpleNamespace(
                if_stmt=operators.if_stmt, while_stmt=operators.while_stmt,
                for_stmt=operators.for_stmt, if_exp=operators.if_exp, and_=operators.and_,
                or_=operators.or_, not_=operators.not_, assert_stmt=operators.assert_stmt,
                ld=operators.ld, ldu=operators.ldu, ret=operators.ret,
                Undefined=operators.Undefined,
                UndefinedReturnValue=operators.UndefinedReturnValue,
                converted_call=functools.partial(converted_call, options=options))
            _namespaces[options.key] = ns
        return ns


def _instantiate(entry, fn, options):
    """A function running the converted code with fn's globals, defaults and closure cells."""
    original = dict(zip(fn.__code__.co_freevars, fn.__closure__ or ()))
    cells = []
    for var in entry.code.co_freevars:
        if var == "ag__":
            cells.append(types.CellType(namespace(options)))
        else:
            cells.append(original[var])
    new = types.FunctionType(entry.code, fn.__globals__, fn.__name__, fn.__defaults__,
                             tuple(cells))
    new.__kwdefaults__ = dict(fn.__kwdefaults__) if fn.__kwdefaults__ else None
    new.__dict__.update(fn.__dict__)
    new.__qualname__ = fn.__qualname__
    new.__module__ = fn.__module__
    new.__doc__ = fn.__doc__
    new.__annotations__ = dict(getattr(fn, "__annotations__", {}) or {})
    return new


def convert_function(fn, options):
    """The converted version of a plain Python function (raises ConversionError)."""
    if fn.__code__.co_filename == "<string>":
        raise ConversionError("dynamic code (exec?) has no source file")
    return _instantiate(_converted_code(fn, options), fn, options)


def to_code(fn, options):
    """The converted source of a function (raises ConversionError)."""
    return _converted_code(fn, options).source


def _target(f):
    """(plain function to convert, the `self` to bind it to or None), or None when f is not a
    Python function, method or callable object."""
    if isinstance(f, types.FunctionType):
        return f, None
    if isinstance(f, types.MethodType) and isinstance(f.__func__, types.FunctionType):
        return f.__func__, f.__self__
    call = getattr(type(f), "__call__", None)
    if isinstance(call, types.FunctionType) and not isinstance(f, type):
        return call, f
    return None


def convert(f, options=None, warn=True):
    """f converted (functions, methods, lambdas, callable objects, partials), or f itself when it
    must not or cannot be converted (with a one-time warning for the latter)."""
    options = options or ConversionOptions()
    if isinstance(f, functools.partial):
        converted = convert(f.func, options, warn)
        return f if converted is f.func else functools.partial(converted, *f.args,
                                                                **(f.keywords or {}))
    target = _target(f)
    if target is None:
        return f
    fn, self = target
    if fn.__code__ in _library_codes:  # the common case in converted code: graphflow's ops
        return f
    if is_marked_do_not_convert(f) or is_generated(fn):
        return f
    if fn.__code__.co_flags & _FRAME_BOUND:
        return f  # generators and coroutines run as written (as in TF), silently
    if is_marked_do_not_convert(fn):
        _log(1, "AutoGraph: not converting %r: marked do_not_convert", fn)
        return f
    if is_library(fn):
        _log(2, "AutoGraph: not converting %r: library code", fn)
        _library_codes.add(fn.__code__)
        return f
    try:
        converted = convert_function(fn, options)
    except ConversionError as e:
        if warn:
            _warn_unconverted(fn, e)
        return f
    _log(1, "AutoGraph: converted %r", fn)
    return types.MethodType(converted, self) if self is not None else converted


def _warn_unconverted(fn, error):
    code = fn.__code__
    if code.co_filename == "<string>":
        return  # dynamic code: TF runs it as-is silently
    with _lock:
        if code in _warned:
            return
        _warned.add(code)
    cause = str(error)
    if cause == "could not get source code":
        cause = (f"Unable to locate the source code of {fn!r}. Note that functions defined in "
                 "certain environments, like the interactive Python shell, do not expose their "
                 "source code. If that is the case, you should define them in a .py source "
                 "file. If you are certain the code is graph-compatible, wrap the call using "
                 f"@tf.autograph.experimental.do_not_convert. Original error: {cause}")
    logger.warning("AutoGraph could not transform %r and will run it as-is.\nCause: %s\nTo "
                   "silence this warning, decorate the function with "
                   "@tf.autograph.experimental.do_not_convert", fn, cause)


def converted_call(f, args, kwargs, options):
    """Calls f(*args, **kwargs) from converted code, converting f first when it is user code."""
    kwargs = kwargs or {}
    if isinstance(f, (types.BuiltinFunctionType, type)):
        try:
            overload = operators.BUILTIN_OVERLOADS.get(f)
        except TypeError:  # a builtin method of an unhashable object (list.append)
            overload = None
        return (overload or f)(*args, **kwargs)
    if not options.recursive:
        return f(*args, **kwargs)
    return convert(f, options)(*args, **kwargs)
