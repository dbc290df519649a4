"""The AutoGraph source transformation: a function's AST in, the AST of its converted version out.

The passes run in TF AutoGraph's order, each a small AST rewrite:

1. directives: `tf.autograph.experimental.set_loop_options(...)` at the top of a loop body
   becomes the loop's options;
2. jumps lowered to flags: `break` (`break_ = True` plus a loop condition), `continue`
   (the rest of the body guarded by `if not continue_:`) and `return` (`retval_`, `do_return`,
   one return at the end), so the code has no jumps left;
3. expressions: `and`, `or`, `not`, `x if c else y` and `assert` become operator calls that
   decide at run time between Python and graph semantics; every call `f(...)` becomes
   `ag__.converted_call(f, ...)`, which converts user functions recursively;
4. control flow: with the liveness facts of `analysis`, each `if`, `while` and `for` becomes
   nested functions over the variables it changes (`get_state` / `set_state`, the branches or
   the loop body) and a call of `ag__.if_stmt` / `while_stmt` / `for_stmt`;
5. loads of variables that may be undefined become `ag__.ld(x)`, which raises as Python would.

Generated nodes take the source location of the user statement they replace, so the compiled
code keeps the user's line numbers. Nested functions are converted first, each on its own.

    >>> import ast
    >>> fn = ast.parse("def f(x):\\n    if x > 0:\\n        x = -x\\n    return x\\n").body[0]
    >>> print(ast.unparse(convert_function(fn, Context())))  # doctest: +ELLIPSIS
    def f(x):
    <BLANKLINE>
        def get_state():
            return (x,)
    ...
        ag__.if_stmt(x > 0, if_body, else_body, get_state, set_state, ('x',), 1)
        return x
"""
import ast
import copy

from graphflow.autograph import analysis
from graphflow.autograph import templates as tpl

# Calls left alone: they depend on the calling frame, or are AutoGraph's own operators.
_FRAME_FUNCTIONS = {"eval", "exec", "locals", "globals", "vars", "dir", "breakpoint", "super"}
_LOOP_OPTION_DIRECTIVE = "set_loop_options"
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


class Context:
    """What the transformation needs to know about the function being converted.

    builtin_functions: convert `print` too (TF's Feature.BUILTIN_FUNCTIONS; off by default, as
    in TF). class_name: the class a method was defined in, for private-name mangling.
    super_self: the method's first argument, when `super()` without arguments must be
    rewritten (the converted code is compiled outside the class).
    """

    def __init__(self, builtin_functions=False, class_name=None, super_self=None):
        self.builtin_functions = builtin_functions
        self.class_name = class_name
        self.super_self = super_self
        self.namer = None


class Namer:
    """Fresh names for generated symbols that collide with nothing in the user's function."""

    def __init__(self, node):
        self.used = set()
        for n in ast.walk(node):
            if isinstance(n, ast.Name):
                self.used.add(n.id)
            elif isinstance(n, ast.arg):
                self.used.add(n.arg)
            elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.used.add(n.name)
            elif isinstance(n, (ast.Global, ast.Nonlocal)):
                self.used.update(n.names)
            elif isinstance(n, ast.alias):
                self.used.add((n.asname or n.name).split(".")[0])

    def new(self, base):
        candidate, i = base, 0
        while candidate in self.used:
            i += 1
            candidate = f"{base}_{i}"
        self.used.add(candidate)
        return candidate


def convertible(fn_node):
    """Whether a function's statements can be converted: generators and coroutines cannot (their
    control flow is tied to the Python frame), so they run as written."""
    if isinstance(fn_node, ast.AsyncFunctionDef):
        return False
    stack = list(fn_node.body)
    while stack:
        n = stack.pop()
        if isinstance(n, (ast.Yield, ast.YieldFrom, ast.Await)):
            return False
        if not isinstance(n, _SCOPES):
            stack.extend(ast.iter_child_nodes(n))
    return True


# -- entry points ------------------------------------------------------------------------------

def convert_function(fn_node, ctx):
    """Converts a FunctionDef in place (decorators removed: they were already applied to the
    function object being converted) and returns it."""
    ctx.namer = Namer(fn_node)
    fn_node.decorator_list = []
    if ctx.class_name:
        _Mangler(ctx.class_name).visit(fn_node)
    _convert_def(fn_node, ctx, top=True)
    ast.fix_missing_locations(fn_node)
    return fn_node


def convert_lambda(lambda_node, ctx):
    """Converts a Lambda's expression (a lambda holds no statements) and returns it."""
    ctx.namer = Namer(lambda_node)
    if ctx.class_name:
        _Mangler(ctx.class_name).visit(lambda_node)
    lambda_node = _Expressions(ctx).visit(lambda_node)
    ast.fix_missing_locations(lambda_node)
    return lambda_node


def _convert_def(fn_node, ctx, top=False):
    for nested in _direct_nested_defs(fn_node.body):
        if convertible(nested):
            _convert_def(nested, ctx)
    if not convertible(fn_node):
        return
    _hoist_declarations(fn_node)
    _Directives().visit_block(fn_node.body)
    fn_node.body = _BreakLowering(ctx.namer).block(fn_node.body)
    fn_node.body = _ContinueLowering(ctx.namer).block(fn_node.body)
    _lower_returns(fn_node, ctx.namer)
    expressions = _Expressions(ctx, super_self=ctx.super_self if top else None)
    fn_node.body = expressions.block(fn_node.body)
    for node in _loops_with_extra_tests(fn_node.body):
        node._ag_extra_test = expressions.visit(node._ag_extra_test)
    extra = {id(n): n._ag_extra_test for n in _loops_with_extra_tests(fn_node.body)}
    facts = analysis.annotate(fn_node, extra)
    flow = _ControlFlow(facts, ctx.namer, analysis.declared(fn_node.body, ast.Global),
                        analysis.declared(fn_node.body, ast.Nonlocal))
    fn_node.body = flow.block(fn_node.body)
    if flow.undefined:
        _LoadGuard(flow.undefined).visit_block(fn_node.body)


def _direct_nested_defs(stmts):
    """Function definitions in `stmts` that are not inside another function."""
    out = []
    stack = list(stmts)
    while stack:
        n = stack.pop()
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out.append(n)
        elif not isinstance(n, (ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(n))
        elif isinstance(n, ast.ClassDef):
            # methods of a class defined inside the function are functions of their own
            stack.extend(s for s in n.body if isinstance(s, ast.stmt))
    return out


def _loops_with_extra_tests(stmts):
    out = []
    stack = list(stmts)
    while stack:
        n = stack.pop()
        if isinstance(n, ast.For) and getattr(n, "_ag_extra_test", None) is not None:
            out.append(n)
        if not isinstance(n, _SCOPES):
            stack.extend(ast.iter_child_nodes(n))
    return out


def _walk_own_scope(stmts):
    """Every node of `stmts` that belongs to their function's own scope."""
    stack = list(stmts)
    while stack:
        n = stack.pop()
        yield n
        if not isinstance(n, _SCOPES):
            stack.extend(ast.iter_child_nodes(n))


def _hoist_declarations(fn_node):
    """Moves `global` / `nonlocal` statements to the top of the function: they apply to the
    whole function wherever they are, but a converted block moves into a nested function."""
    found = []

    def strip(stmts):
        out = []
        for stmt in stmts:
            if isinstance(stmt, (ast.Global, ast.Nonlocal)):
                found.append(stmt)
                continue
            if not isinstance(stmt, _SCOPES):
                for field in ("body", "orelse", "finalbody"):
                    block = getattr(stmt, field, None)
                    if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                        setattr(stmt, field, strip(block) or [tpl.locate(tpl.mark(ast.Pass()),
                                                                         stmt)])
                for h in getattr(stmt, "handlers", []):
                    h.body = strip(h.body) or [tpl.locate(tpl.mark(ast.Pass()), h)]
                for case in getattr(stmt, "cases", []):
                    case.body = strip(case.body) or [tpl.locate(tpl.mark(ast.Pass()), case)]
            out.append(stmt)
        return out

    body = strip(fn_node.body)
    doc = 1 if _has_docstring(fn_node) else 0
    fn_node.body = body[:doc] + found + body[doc:] if body or found else \
        [tpl.locate(tpl.mark(ast.Pass()), fn_node)]


def _has_docstring(fn_node):
    first = fn_node.body[0] if fn_node.body else None
    return isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and \
        isinstance(first.value.value, str)


class _Mangler(ast.NodeTransformer):
    """Private names (`self.__x`) mangled as the class body would have mangled them."""

    def __init__(self, class_name):
        self.prefix = "_" + class_name.lstrip("_")

    def _mangle(self, name):
        if name.startswith("__") and not name.endswith("__") and self.prefix != "_":
            return self.prefix + name
        return name

    def visit_Attribute(self, node):
        node.attr = self._mangle(node.attr)
        return self.generic_visit(node)

    def visit_Name(self, node):
        node.id = self._mangle(node.id)
        return node

    def visit_ClassDef(self, node):
        return node  # a nested class mangles with its own name


# -- 1. directives -----------------------------------------------------------------------------

class _Directives:
    """`set_loop_options(...)` calls at the start of a loop body become the loop's options."""

    def visit_block(self, stmts):
        for node in _walk_own_scope(stmts):
            if isinstance(node, (ast.While, ast.For)):
                self._take_options(node)

    def _take_options(self, loop):
        options = {}
        while loop.body and _is_loop_options_call(loop.body[0]):
            call = loop.body.pop(0).value
            for kw in call.keywords:
                options[kw.arg] = kw.value
        if not loop.body:
            loop.body.append(tpl.locate(tpl.mark(ast.Pass()), loop))
        loop._ag_options = options


def _is_loop_options_call(stmt):
    if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
        return False
    func = stmt.value.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    return name == _LOOP_OPTION_DIRECTIVE


# -- 2. jumps ----------------------------------------------------------------------------------

def _contains(node, kinds, loops_own=True):
    """Whether `node` holds a statement of `kinds` that belongs to the current scope (and, when
    loops_own, to the current loop: a nested loop's body owns its own break/continue)."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, kinds):
            return True
        if isinstance(n, _SCOPES):
            continue
        if loops_own and isinstance(n, (ast.While, ast.For)):
            stack.extend(n.orelse)  # the else clause belongs to the enclosing loop
            continue
        stack.extend(ast.iter_child_nodes(n))
    return False


def _guard(flag, stmts, origin):
    """`if not flag: stmts` (located at the first guarded statement)."""
    node = tpl.replace("if not flag:\n    body", flag=flag, body=stmts)
    return tpl.locate(node, origin)


def _guarded_block(stmts, flag, jumps, visit):
    """Visits `stmts`; once a statement may jump (per `jumps`), the rest of the block runs only
    `if not flag` (what a jump leaves undone)."""
    out = []
    for i, stmt in enumerate(stmts):
        may_jump = jumps(stmt)
        new = visit(stmt)
        out.extend(new if isinstance(new, list) else [new])
        rest = stmts[i + 1:]
        if may_jump and rest:
            out.extend(_guard(flag, _guarded_block(rest, flag, jumps, visit), rest[0]))
            break
    return out


class _BreakLowering(ast.NodeTransformer):
    """`break` -> `break_ = True` + `continue`; the loop runs while `not break_`; a loop's else
    clause moves after the loop (guarded by `not break_` when the loop breaks)."""

    def __init__(self, namer):
        self.namer = namer
        self.flags = []  # [flag name, used] per enclosing loop

    def block(self, stmts):
        out = []
        for stmt in stmts:
            new = self.visit(stmt)
            out.extend(new if isinstance(new, list) else [new])
        return out

    def visit_Break(self, node):
        self.flags[-1][1] = True
        return tpl.locate(tpl.replace("flag = True\ncontinue", flag=self.flags[-1][0]), node)

    def _loop(self, node):
        flag = self.namer.new("break_")
        self.flags.append([flag, False])
        node.body = self.block(node.body)
        used = self.flags.pop()[1]
        orelse = self.block(node.orelse)  # a break there belongs to the enclosing loop
        node.orelse = []
        if not used:
            self.namer.used.discard(flag)
            return [node] + orelse
        if isinstance(node, ast.While):
            node.test = tpl.replace_expression("not flag and test", flag=flag, test=node.test)
        else:
            node._ag_extra_test = tpl.replace_expression("not flag", flag=flag)
        init = tpl.locate(tpl.replace("flag = False", flag=flag), node)
        after = _guard(flag, orelse, orelse[0]) if orelse else []
        return init + [node] + after

    def visit_While(self, node):
        node.test = self.visit(node.test)
        return self._loop(node)

    def visit_For(self, node):
        node.iter = self.visit(node.iter)
        return self._loop(node)

    def _skip(self, node):
        return node

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = visit_ClassDef = _skip


class _ContinueLowering(ast.NodeTransformer):
    """`continue` -> `continue_ = True`, with the rest of the loop body guarded."""

    def __init__(self, namer):
        self.namer = namer
        self.flags = []

    def block(self, stmts):
        if not self.flags:
            return [self.visit(s) for s in stmts]
        return _guarded_block(stmts, self.flags[-1][0],
                              lambda s: _contains(s, ast.Continue), self.visit)

    def visit_Continue(self, node):
        self.flags[-1][1] = True
        return tpl.locate(tpl.replace("flag = True", flag=self.flags[-1][0]), node)

    def _loop(self, node):
        orelse = self.block(node.orelse)  # a continue there belongs to the enclosing loop
        flag = self.namer.new("continue_")
        self.flags.append([flag, False])
        body = self.block(node.body)
        used = self.flags.pop()[1]
        if used:
            body = tpl.locate(tpl.replace("flag = False", flag=flag), node.body[0]) + body
        else:
            self.namer.used.discard(flag)
        node.body, node.orelse = body, orelse
        return node

    visit_While = visit_For = _loop

    def visit_If(self, node):
        node.body, node.orelse = self.block(node.body), self.block(node.orelse)
        return node

    def visit_With(self, node):
        node.body = self.block(node.body)
        return node

    def visit_Try(self, node):
        node.body, node.orelse = self.block(node.body), self.block(node.orelse)
        node.finalbody = self.block(node.finalbody)
        for h in node.handlers:
            h.body = self.block(h.body)
        return node

    def _skip(self, node):
        return node

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = visit_ClassDef = _skip


def _definitely_returns(stmts):
    for s in stmts:
        if isinstance(s, ast.Return):
            return True
        if isinstance(s, ast.If) and _definitely_returns(s.body) and _definitely_returns(s.orelse):
            return True
        if isinstance(s, ast.With) and _definitely_returns(s.body):
            return True
    return False


def _rewrite_conditional_returns(stmts):
    """`if c: ...; return a` followed by more statements puts those statements in the else
    branch (and the mirror case), so fewer paths leave the return value undefined (TF's
    ConditionalReturnRewriter)."""
    out = []
    for i, s in enumerate(stmts):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(s, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt) and \
                    not isinstance(s, _SCOPES):
                setattr(s, field, _rewrite_conditional_returns(block))
        for h in getattr(s, "handlers", []):
            h.body = _rewrite_conditional_returns(h.body)
        out.append(s)
        rest = stmts[i + 1:]
        if isinstance(s, ast.If) and rest:
            if _definitely_returns(s.body) and not _definitely_returns(s.orelse):
                s.orelse = _rewrite_conditional_returns(s.orelse + rest)
                break
            if _definitely_returns(s.orelse) and not _definitely_returns(s.body):
                s.body = _rewrite_conditional_returns(s.body + rest)
                break
    return out


def _lower_returns(fn_node, namer):
    """One return at the end: `return v` elsewhere sets `retval_` and `do_return`, and what
    follows a statement that may return runs only `if not do_return`."""
    returns = [n for n in _walk_own_scope(fn_node.body) if isinstance(n, ast.Return)]
    if not returns or (len(returns) == 1 and fn_node.body[-1] is returns[0]):
        return  # no return, or a single one at the very end: nothing to lower
    fn_node.body = _rewrite_conditional_returns(fn_node.body)
    do_return, retval = namer.new("do_return"), namer.new("retval_")
    lowering = _ReturnLowering(do_return, retval)
    doc = fn_node.body[:1] if _has_docstring(fn_node) else []
    body = lowering.block(fn_node.body[len(doc):])
    head = tpl.replace("do_return = False\nretval_ = ag__.UndefinedReturnValue()",
                       do_return=do_return, retval_=retval)
    tail = tpl.replace("return ag__.ret(retval_, do_return)", do_return=do_return,
                       retval_=retval)
    tpl.locate(head, fn_node.body[len(doc)])
    tpl.locate(tail, returns[-1])
    fn_node.body = doc + head + body + tail


class _ReturnLowering(ast.NodeTransformer):
    def __init__(self, do_return, retval):
        self.do_return, self.retval = do_return, retval

    def block(self, stmts):
        return _guarded_block(stmts, self.do_return,
                              lambda s: _contains(s, ast.Return, loops_own=False), self.visit)

    def visit_Return(self, node):
        value = node.value if node.value is not None else tpl.constant(None)
        stmts = tpl.replace("retval_ = value\ndo_return = True", retval_=self.retval,
                            do_return=self.do_return, value=value)
        return tpl.locate(stmts, node)

    def _loop(self, node):
        returns = _contains(node, ast.Return, loops_own=False)
        node.body = self.block(node.body)
        node.orelse = self.block(node.orelse)
        if returns:
            if isinstance(node, ast.While):
                node.test = tpl.replace_expression("not flag and test", flag=self.do_return,
                                                   test=node.test)
            else:
                extra = getattr(node, "_ag_extra_test", None)
                if extra is None:
                    node._ag_extra_test = tpl.replace_expression("not flag", flag=self.do_return)
                else:
                    node._ag_extra_test = tpl.replace_expression(
                        "not flag and extra", flag=self.do_return, extra=extra)
        return node

    visit_While = visit_For = _loop

    def visit_If(self, node):
        node.body, node.orelse = self.block(node.body), self.block(node.orelse)
        return node

    def visit_With(self, node):
        node.body = self.block(node.body)
        return node

    def visit_Try(self, node):
        node.body, node.orelse = self.block(node.body), self.block(node.orelse)
        node.finalbody = self.block(node.finalbody)
        for h in node.handlers:
            h.body = self.block(h.body)
        return node

    def _skip(self, node):
        return node

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = visit_ClassDef = _skip


# -- 3. expressions ----------------------------------------------------------------------------

def _lazy(expr):
    """`lambda: expr`, located at expr."""
    lam = ast.Lambda(args=ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[],
                                        kw_defaults=[], kwarg=None, defaults=[]), body=expr)
    lam._ag_generated = True
    return ast.copy_location(lam, expr)


def _has_walrus(node):
    return any(isinstance(n, ast.NamedExpr) for n in ast.walk(node))


def _call(func_path, args, origin):
    """A generated call `ag__.<func_path>(*args)`, located at origin."""
    func = tpl.replace_expression(f"ag__.{func_path}")
    node = ast.Call(func=func, args=list(args), keywords=[])
    node._ag_generated = True
    return tpl.locate(ast.copy_location(node, origin), origin)


class _Expressions(ast.NodeTransformer):
    """and/or/not, conditional expressions, assert, calls (converted_call) and super()."""

    def __init__(self, ctx, super_self=None):
        self.ctx = ctx
        self.super_self = super_self

    def block(self, stmts):
        out = []
        for s in stmts:
            new = self.visit(s)
            out.extend(new if isinstance(new, list) else [new])
        return out

    def visit_FunctionDef(self, node):
        # A nested function was converted on its own; its decorators and defaults belong here.
        node.decorator_list = [self.visit(d) for d in node.decorator_list]
        node.args.defaults = [self.visit(d) for d in node.args.defaults]
        node.args.kw_defaults = [d if d is None else self.visit(d) for d in node.args.kw_defaults]
        return node

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        return node  # class bodies run as written (their names are not visible to lambdas)

    def visit_BoolOp(self, node):
        node = self.generic_visit(node)
        if _has_walrus(node):
            return node
        op = "and_" if isinstance(node.op, ast.And) else "or_"
        result = node.values[-1]
        for value in reversed(node.values[:-1]):
            result = _call(op, [_lazy(value), _lazy(result)], node)
        return result

    def visit_UnaryOp(self, node):
        node = self.generic_visit(node)
        if isinstance(node.op, ast.Not):
            return _call("not_", [node.operand], node)
        return node

    def visit_IfExp(self, node):
        node = self.generic_visit(node)
        if _has_walrus(node):
            return node
        return _call("if_exp", [node.test, _lazy(node.body), _lazy(node.orelse),
                                tpl.constant(ast.unparse(node.test))], node)

    def visit_Assert(self, node):
        node = self.generic_visit(node)
        msg = node.msg if node.msg is not None else tpl.constant(None)
        call = _call("assert_stmt", [node.test, _lazy(msg)], node)
        return ast.copy_location(ast.Expr(value=call), node)

    def visit_Call(self, node):
        node = self.generic_visit(node)
        func = node.func
        if isinstance(func, ast.Name):
            if func.id == "super" and not node.args and self.super_self:
                node.args = [tpl.name("__class__"), tpl.name(self.super_self)]
                return node
            if func.id in _FRAME_FUNCTIONS:
                return node
            if func.id == "print" and not self.ctx.builtin_functions:
                return node
        if _is_ag_call(func):
            return node
        args = ast.Tuple(elts=list(node.args), ctx=ast.Load())
        if node.keywords:
            kwargs = ast.Dict(keys=[kw.arg and tpl.constant(kw.arg) for kw in node.keywords],
                              values=[kw.value for kw in node.keywords])
        else:
            kwargs = tpl.constant(None)
        return _call("converted_call", [func, args, kwargs], node)


def _is_ag_call(func):
    while isinstance(func, ast.Attribute):
        func = func.value
    return isinstance(func, ast.Name) and func.id == "ag__"


# -- 4. control flow ---------------------------------------------------------------------------

def _function_def(name, args, body, origin):
    node = ast.FunctionDef(
        name=name, args=ast.arguments(posonlyargs=[], args=[ast.arg(arg=a) for a in args],
                                      vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
                                      defaults=[]),
        body=body or [tpl.mark(ast.Pass())], decorator_list=[], returns=None, type_params=[])
    node._ag_generated = True
    return tpl.locate(node, origin)


class _ControlFlow(ast.NodeTransformer):
    """if/while/for -> ag__.if_stmt / while_stmt / for_stmt over the variables they change."""

    def __init__(self, facts, namer, global_names, nonlocal_names):
        self.facts = facts
        self.namer = namer
        self.global_names = global_names
        self.nonlocal_names = nonlocal_names
        self.undefined = set()  # names that get an Undefined placeholder somewhere
        self.composites = {}    # composite state of the statement being converted

    def block(self, stmts):
        out = []
        for s in stmts:
            new = self.visit(s)
            out.extend(new if isinstance(new, list) else [new])
        return out

    def generic_visit(self, node):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                setattr(node, field, self.block(block))
        for h in getattr(node, "handlers", []):
            h.body = self.block(h.body)
        for case in getattr(node, "cases", []):
            case.body = self.block(case.body)
        return node

    def _skip(self, node):
        return node

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = visit_ClassDef = _skip

    def _block_vars(self, node):
        """(state variable names, outputs first; names to mark undefined; number of outputs).

        Composite symbols (`self.count`, `d["k"]`) are state too when the object they belong
        to exists before the statement (TF's rule), and are always outputs."""
        f = self.facts[id(node)]
        special = self.global_names | self.nonlocal_names
        state = {s for s in f.modified if s in f.live_in or s in f.live_out or s in special}
        input_only = {s for s in state if s in f.live_in and s not in f.live_out and
                      s not in special}
        self.composites = {k: t for k, t in f.composites.items()
                           if analysis.composite_root(t) in f.live_in}
        ordered = sorted(state | set(self.composites), key=lambda v: (v in input_only, v))
        undefined = sorted(f.modified - f.defined_in - special)
        return ordered, undefined, len(ordered) - len(input_only)

    def _state_functions(self, names, origin):
        getter, setter = self.namer.new("get_state"), self.namer.new("set_state")
        arg = self.namer.new("vars_")
        if not names:
            stmts = tpl.replace("def getter():\n    return ()\ndef setter(arg):\n    pass",
                                getter=getter, setter=setter, arg=arg)
        else:
            loads, stores = [], []
            for n in names:
                target = self.composites.get(n)
                if target is None:
                    loads.append(tpl.name(n))
                    stores.append(tpl.name(n, ast.Store()))
                else:  # a composite may not exist (yet): ldu gives Undefined then
                    read = tpl._with_ctx(copy.deepcopy(target), ast.Load())
                    loads.append(tpl.replace_expression("ag__.ldu(lambda: read, key)", read=read,
                                                        key=tpl.constant(n)))
                    stores.append(tpl._with_ctx(copy.deepcopy(target), ast.Store()))
            values = ast.Tuple(elts=loads, ctx=ast.Load())
            targets = ast.Tuple(elts=stores, ctx=ast.Store())
            plain = [n for n in names if n not in self.composites]
            stmts = tpl.replace(
                "def getter():\n    return values\ndef setter(arg):\n    decl\n    targets = arg",
                getter=getter, setter=setter, arg=arg, values=values, targets=targets,
                decl=tpl.nonlocal_declarations(plain, self.global_names))
        return tpl.locate(stmts, origin), getter, setter

    def _declarations(self, names):
        """nonlocal / global statements for the plain names among `names`."""
        return tpl.nonlocal_declarations([n for n in names if n not in self.composites],
                                         self.global_names)

    def _undefined_assigns(self, names, origin):
        self.undefined.update(names)
        out = []
        for n in names:
            out += tpl.replace("var = ag__.Undefined(symbol)", var=n, symbol=tpl.constant(n))
        return tpl.locate(out, origin)

    def _options(self, node, extra=()):
        options = dict(getattr(node, "_ag_options", {}))
        keys = [tpl.constant(k) for k in options] + [tpl.constant(k) for k, _ in extra]
        values = list(options.values()) + [v for _, v in extra]
        return ast.Dict(keys=keys, values=values)

    def visit_If(self, node):
        node = self.generic_visit(node)
        names, undefined, nouts = self._block_vars(node)
        state_fns, getter, setter = self._state_functions(names, node)
        decl = self._declarations(names)
        body_name, else_name = self.namer.new("if_body"), self.namer.new("else_body")
        body_fn = _function_def(body_name, [], decl + node.body, node)
        else_fn = _function_def(else_name, [], self._declarations(names) + node.orelse,
                                node.orelse[0] if node.orelse else node)
        call = tpl.replace(
            "ag__.if_stmt(test, body, orelse, getter, setter, names, nouts)", test=node.test,
            body=body_name, orelse=else_name, getter=getter, setter=setter,
            names=tpl.strings(names), nouts=tpl.constant(nouts))
        return state_fns + [body_fn, else_fn] + self._undefined_assigns(undefined, node) + \
            tpl.locate(call, node)

    def visit_While(self, node):
        node = self.generic_visit(node)
        names, undefined, _ = self._block_vars(node)
        state_fns, getter, setter = self._state_functions(names, node)
        body_name, test_name = self.namer.new("loop_body"), self.namer.new("loop_test")
        body_fn = _function_def(body_name, [], self._declarations(names) + node.body, node)
        test_fn = _function_def(test_name, [], [tpl.locate(ast.Return(value=node.test), node)],
                                node)
        call = tpl.replace(
            "ag__.while_stmt(test, body, getter, setter, names, opts)", test=test_name,
            body=body_name, getter=getter, setter=setter, names=tpl.strings(names),
            opts=self._options(node))
        return state_fns + [body_fn, test_fn] + self._undefined_assigns(undefined, node) + \
            tpl.locate(call, node)

    def visit_For(self, node):
        node = self.generic_visit(node)
        names, undefined, _ = self._block_vars(node)
        state_fns, getter, setter = self._state_functions(names, node)
        decl = self._declarations(names)
        body_name, itr = self.namer.new("loop_body"), self.namer.new("itr")
        unpack = tpl.locate(tpl.replace("target = itr", target=node.target, itr=itr), node)
        body_fn = _function_def(body_name, [itr], decl + unpack + node.body, node)
        fns = state_fns + [body_fn]
        extra = getattr(node, "_ag_extra_test", None)
        if extra is not None:
            extra_name = self.namer.new("extra_test")
            fns.append(_function_def(extra_name, [], self._declarations(names) +
                                     [tpl.locate(ast.Return(value=extra), node)], node))
            extra_arg = tpl.name(extra_name)
        else:
            extra_arg = tpl.constant(None)
        opts = self._options(node, [("iterate_names", tpl.constant(ast.unparse(node.target)))])
        call = tpl.replace(
            "ag__.for_stmt(iterated, extra, body, getter, setter, names, opts)",
            iterated=node.iter, extra=extra_arg, body=body_name, getter=getter, setter=setter,
            names=tpl.strings(names), opts=opts)
        return fns + self._undefined_assigns(undefined, node) + tpl.locate(call, node)


# -- 5. loads of possibly undefined variables --------------------------------------------------

class _LoadGuard(ast.NodeTransformer):
    """User reads of `names` become ag__.ld(name), which raises for an Undefined value."""

    def __init__(self, names):
        self.names = names

    def visit_block(self, stmts):
        self.generic_visit(ast.Module(body=stmts, type_ignores=[]))  # rewrites stmts in place

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load) and node.id in self.names and not tpl.is_generated(node):
            return ast.copy_location(_call("ld", [node], node), node)
        return node

    def generic_visit(self, node):
        for field, value in ast.iter_fields(node):
            if isinstance(value, list):
                new = []
                for item in value:
                    if isinstance(item, ast.AugAssign) and isinstance(item.target, ast.Name) \
                            and item.target.id in self.names and not tpl.is_generated(item):
                        # x += 1 with x possibly undefined: read it through ld first
                        new += tpl.locate(tpl.replace("x = ag__.ld(x)", x=item.target.id), item)
                    if isinstance(item, ast.AST):
                        item = self.visit(item)
                        if item is None:
                            continue
                        if isinstance(item, list):
                            new.extend(item)
                            continue
                    new.append(item)
                value[:] = new
            elif isinstance(value, ast.AST):
                setattr(node, field, self.visit(value))
        return node
