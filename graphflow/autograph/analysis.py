"""Static analysis of one function's AST, the facts AutoGraph's control-flow conversion needs.

For every `if`, `while` and `for` statement of a function (after break, continue and return
have been lowered to flags, so the code has no jumps), `annotate` records:

- `modified`: the names the statement binds in the function's scope (its targets, everything
  its blocks assign, import or define);
- `live_in` / `live_out`: the names whose current value may still be read, before and after it;
- `defined_in`: the names that may have a value when the statement starts (a parameter, or an
  assignment on some path before it).

Liveness is computed backwards over the structured statements (loops iterate to a fixpoint);
where Python's control flow is not structured (try, with, match) the analysis over-approximates,
which only ever keeps a value that is not needed. Names read by nested functions and lambdas
count as read where the function is defined, and such names (closure cells) stay live
everywhere, since the nested function may be called at any later point.

    >>> import ast
    >>> tree = ast.parse("def f(x):\\n    if x:\\n        y = 1\\n    return y\\n")
    >>> facts = annotate(tree.body[0])
    >>> info = facts[id(tree.body[0].body[0])]
    >>> sorted(info.modified), sorted(info.live_out), sorted(info.defined_in)
    (['y'], ['y'], ['x'])
"""
import ast

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.ListComp,
           ast.SetComp, ast.DictComp, ast.GeneratorExp)


class Facts:
    """What `annotate` knows about one control-flow statement. `composites` maps the source of
    each attribute or constant subscript the statement assigns (`self.count`, `d["k"]`) to its
    target node."""

    __slots__ = ("modified", "live_in", "live_out", "defined_in", "composites")

    def __init__(self, modified, composites=None):
        self.modified = frozenset(modified)
        self.live_in = frozenset()
        self.live_out = frozenset()
        self.defined_in = frozenset()
        self.composites = composites or {}

    def __repr__(self):
        return (f"Facts(modified={sorted(self.modified)}, live_in={sorted(self.live_in)}, "
                f"live_out={sorted(self.live_out)}, defined_in={sorted(self.defined_in)})")


# -- which names a piece of code binds and reads ------------------------------------------------

class _Activity(ast.NodeVisitor):
    """Names bound and read by a node in the current scope. A nested function, lambda, class or
    comprehension contributes the names it reads from outside (its free names) as reads, and
    its own name (for def and class) as a binding; a walrus inside a comprehension binds in the
    enclosing scope, as in Python."""

    def __init__(self):
        self.bound = set()
        self.read = set()

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load):
            self.read.add(node.id)
        else:  # Store or Del
            self.bound.add(node.id)
            if isinstance(node.ctx, ast.Del):
                self.read.add(node.id)

    def visit_AugAssign(self, node):
        self.visit(node.value)
        if isinstance(node.target, ast.Name):
            self.read.add(node.target.id)
            self.bound.add(node.target.id)
        else:
            self.visit(node.target)

    def visit_AnnAssign(self, node):
        if node.value is not None:
            self.visit(node.value)
            self.visit(node.target)
        elif not isinstance(node.target, ast.Name):
            self.visit(node.target)

    def visit_Import(self, node):
        for alias in node.names:
            self.bound.add((alias.asname or alias.name).split(".")[0])

    visit_ImportFrom = visit_Import

    def visit_ExceptHandler(self, node):
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self.bound.add(node.name)
        for stmt in node.body:
            self.visit(stmt)

    def visit_MatchAs(self, node):
        if node.name:
            self.bound.add(node.name)
        self.generic_visit(node)

    def visit_MatchStar(self, node):
        if node.name:
            self.bound.add(node.name)

    def visit_MatchMapping(self, node):
        if node.rest:
            self.bound.add(node.rest)
        self.generic_visit(node)

    def visit_Global(self, node):
        pass

    visit_Nonlocal = visit_Global

    def visit_FunctionDef(self, node):
        for d in node.decorator_list:
            self.visit(d)
        self._visit_arguments_defaults(node.args)
        if node.returns is not None:
            self.visit(node.returns)
        self.read |= free_names(node)
        self.bound.add(node.name)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node):
        self._visit_arguments_defaults(node.args)
        self.read |= free_names(node)

    def visit_ClassDef(self, node):
        for d in node.decorator_list + node.bases + [k.value for k in node.keywords]:
            self.visit(d)
        self.read |= free_names(node)
        self.bound.add(node.name)

    def _visit_comprehension(self, node):
        # The first iterable is evaluated in the enclosing scope; the rest is the
        # comprehension's own scope, except walrus targets, which bind outside.
        self.visit(node.generators[0].iter)
        self.read |= free_names(node)
        self.bound |= _walrus_targets(node)

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _visit_comprehension

    def _visit_arguments_defaults(self, args):
        for d in args.defaults + [d for d in args.kw_defaults if d is not None]:
            self.visit(d)


def activity(node):
    """(bound, read): the names `node` (a statement, expression or list of statements) binds
    and reads in its own scope."""
    v = _Activity()
    for n in (node if isinstance(node, list) else [node]):
        v.visit(n)
    return v.bound, v.read


def bound_names(node):
    return activity(node)[0]


def read_names(node):
    return activity(node)[1]


def _walrus_targets(node):
    out = set()
    for n in ast.walk(node):
        if isinstance(n, ast.NamedExpr) and isinstance(n.target, ast.Name):
            out.add(n.target.id)
    return out


def declared(body, kind):
    """Names declared `global` (kind=ast.Global) or `nonlocal` in a function body, not looking
    into nested scopes."""
    out = set()
    stack = list(body)
    while stack:
        n = stack.pop()
        if isinstance(n, kind):
            out.update(n.names)
        elif not isinstance(n, _SCOPES):
            stack.extend(ast.iter_child_nodes(n))
    return out


def composite_key(node):
    """'a.b' / "a['k']" for a chain of attributes and constant subscripts on a name, else None."""
    if isinstance(node, ast.Attribute):
        base = composite_key(node.value)
        return None if base is None else f"{base}.{node.attr}"
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and \
            isinstance(node.slice.value, (int, str)):
        base = composite_key(node.value)
        return None if base is None else f"{base}[{node.slice.value!r}]"
    if isinstance(node, ast.Name):
        return node.id
    return None


def composite_root(node):
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id


def modified_composites(stmts):
    """The attribute / constant-subscript targets `stmts` assign in their own scope."""
    out = {}

    def add(target):
        if isinstance(target, (ast.Tuple, ast.List)):
            for e in target.elts:
                add(e)
        elif isinstance(target, ast.Starred):
            add(target.value)
        elif isinstance(target, (ast.Attribute, ast.Subscript)):
            key = composite_key(target)
            if key is not None:
                out.setdefault(key, target)

    stack = list(stmts)
    while stack:
        n = stack.pop()
        if isinstance(n, ast.Assign):
            for t in n.targets:
                add(t)
        elif isinstance(n, (ast.AugAssign, ast.AnnAssign)) and getattr(n, "value", None):
            add(n.target)
        elif isinstance(n, ast.For):
            add(n.target)
        if not isinstance(n, _SCOPES):
            stack.extend(c for c in ast.iter_child_nodes(n) if isinstance(c, ast.stmt))
    return out


def argument_names(args):
    names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    if args.vararg:
        names.append(args.vararg.arg)
    if args.kwarg:
        names.append(args.kwarg.arg)
    return names


def free_names(node):
    """The names a function, lambda, class or comprehension reads from its enclosing scopes."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        body = node.body if isinstance(node.body, list) else [node.body]
        bound, read = activity(body)
        local = set(argument_names(node.args)) | bound
        glob = declared(body, ast.Global) if isinstance(body, list) else set()
        nonloc = declared(body, ast.Nonlocal) if isinstance(body, list) else set()
        return (read - local - glob) | nonloc
    if isinstance(node, ast.ClassDef):
        bound, read = activity(node.body)
        return read - bound
    # A comprehension: targets are local; walrus targets belong to the enclosing scope.
    bound, read = set(), set()
    for i, gen in enumerate(node.generators):
        b, r = activity(gen.target)
        bound |= b
        if i:
            read |= activity(gen.iter)[1]
        for cond in gen.ifs:
            read |= activity(cond)[1]
    elts = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
    for e in elts:
        read |= activity(e)[1]
    return read - bound


# -- liveness (backwards) and definedness (forwards) ---------------------------------------------

def annotate(fn_node, extra_tests=None):
    """Facts for every if/while/for statement in `fn_node` (a FunctionDef), by id(statement).

    `extra_tests` maps id(for statement) to an expression the converted loop also evaluates
    before each iteration (the lowered `break`/`return` flags), so its reads count as live.
    """
    facts = {}
    extra_tests = extra_tests or {}
    cells = _closure_names(fn_node)
    _Liveness(facts, extra_tests, cells).block(fn_node.body, frozenset(cells))
    params = set(argument_names(fn_node.args))
    _Definedness(facts).block(fn_node.body, frozenset(params))
    return facts


def _closure_names(fn_node):
    """Names of fn_node's scope that a nested function or lambda reads (closure cells)."""
    out = set()
    stack = list(fn_node.body)
    while stack:
        n = stack.pop()
        if isinstance(n, ast.Lambda) and getattr(n, "_ag_generated", False):
            # AutoGraph's own lambdas (the operands of and_, or_, if_exp) run on the spot
            stack.extend(ast.iter_child_nodes(n))
            continue
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            out |= free_names(n)
            if not isinstance(n, ast.Lambda):
                stack.extend(n.decorator_list)
            continue
        stack.extend(ast.iter_child_nodes(n))
    return out


def _kills(target):
    """Names definitely rebound by an assignment target (not x[i] or x.a, which read x)."""
    if isinstance(target, ast.Name):
        return {target.id}
    if isinstance(target, (ast.Tuple, ast.List)):
        out = set()
        for e in target.elts:
            out |= _kills(e)
        return out
    if isinstance(target, ast.Starred):
        return _kills(target.value)
    return set()


def _target_reads(target):
    """Names an assignment target reads (the objects of x.a = ..., x[i] = ...)."""
    if isinstance(target, ast.Name):
        return set()
    if isinstance(target, (ast.Tuple, ast.List)):
        out = set()
        for e in target.elts:
            out |= _target_reads(e)
        return out
    if isinstance(target, ast.Starred):
        return _target_reads(target.value)
    return read_names(target)


class _Liveness:
    def __init__(self, facts, extra_tests, cells):
        self.facts = facts
        self.extra_tests = extra_tests
        self.cells = frozenset(cells)

    def block(self, stmts, live_out):
        live = live_out
        for stmt in reversed(stmts):
            live = self.stmt(stmt, live) | self.cells
        return live

    def _record(self, node, live_in, live_out, modified):
        f = self.facts.get(id(node))
        if f is None:
            composites = modified_composites([node])
            f = self.facts[id(node)] = Facts(modified, composites)
        f.live_in, f.live_out = frozenset(live_in), frozenset(live_out)

    def stmt(self, node, out):
        if isinstance(node, ast.If):
            live = read_names(node.test) | self.block(node.body, out) | self.block(node.orelse, out)
            self._record(node, live, out, bound_names(node.body) | bound_names(node.orelse))
            return live
        if isinstance(node, ast.While):
            after_else = self.block(node.orelse, out)
            head = frozenset()
            while True:  # the live set at the loop test, to a fixpoint
                new = read_names(node.test) | self.block(node.body, head) | after_else
                if new == head:
                    break
                head = new
            self._record(node, head, out, bound_names(node.body) | bound_names(node.orelse))
            return head
        if isinstance(node, ast.For):
            after_else = self.block(node.orelse, out)
            extra = self.extra_tests.get(id(node))
            extra_reads = read_names(extra) if extra is not None else set()
            kill, target_reads = _kills(node.target), _target_reads(node.target)
            head = frozenset()
            while True:
                new = frozenset((self.block(node.body, head) - kill) | target_reads | extra_reads
                                | after_else)
                if new == head:
                    break
                head = new
            live = head | read_names(node.iter)
            modified = bound_names(node.body) | bound_names(node.target) | bound_names(node.orelse)
            self._record(node, live, out, modified)
            return live
        if isinstance(node, (ast.Try, getattr(ast, "TryStar", ast.Try), ast.With, ast.AsyncWith,
                             ast.Match, ast.AsyncFor)):
            # Not structured enough for exact liveness: everything read anywhere inside is live
            # throughout, and nothing is killed; inner statements still get their facts.
            everything = read_names(node) | out
            for block in _blocks(node):
                self.block(block, everything)
            return everything
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return (out - {node.name}) | read_names(node)
        if isinstance(node, ast.Assign):
            kill = set()
            reads = read_names(node.value)
            for t in node.targets:
                kill |= _kills(t)
                reads |= _target_reads(t)
            return (out - kill) | reads
        if isinstance(node, ast.AnnAssign):
            if node.value is None:
                return out | _target_reads(node.target)
            return (out - _kills(node.target)) | read_names(node.value) | _target_reads(node.target)
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            return out - bound_names(node)
        if isinstance(node, ast.Return):
            # After lowering only the function's final return is left; nothing after it runs.
            return read_names(node.value) if node.value is not None else frozenset()
        if isinstance(node, ast.Delete):
            return (out - bound_names(node)) | read_names(node)
        # Expr, AugAssign, Assert, Raise, Pass, Global, Nonlocal, Break, Continue
        return out | read_names(node)


def _blocks(node):
    """The statement lists directly inside a compound statement."""
    out = []
    for field in ("body", "orelse", "finalbody"):
        block = getattr(node, field, None)
        if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
            out.append(block)
    for h in getattr(node, "handlers", []):
        out.append(h.body)
    for case in getattr(node, "cases", []):
        out.append(case.body)
    return out


class _Definedness:
    """Names that may have a value before each statement (any reaching assignment)."""

    def __init__(self, facts):
        self.facts = facts

    def block(self, stmts, defined):
        for stmt in stmts:
            defined = self.stmt(stmt, defined)
        return defined

    def stmt(self, node, defined):
        f = self.facts.get(id(node))
        if f is not None:
            f.defined_in = frozenset(defined)
        if isinstance(node, ast.If):
            return self.block(node.body, defined) | self.block(node.orelse, defined)
        if isinstance(node, (ast.While, ast.For, ast.AsyncFor)):
            entry = defined | (bound_names(node.target) if hasattr(node, "target") else set())
            inner = self.block(node.body, entry)
            inner = self.block(node.body, inner)  # a second pass sees the previous iteration's
            return defined | inner | self.block(node.orelse, defined | inner)
        if isinstance(node, (ast.With, ast.AsyncWith)):
            return self.block(node.body, defined | bound_names(node.items))
        if isinstance(node, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            body_out = self.block(node.body, defined)
            out = self.block(node.orelse, body_out)
            for h in node.handlers:
                # A handler may run after any prefix of the body: what the body may define.
                out |= self.block(h.body, body_out | ({h.name} if h.name else set()))
            return self.block(node.finalbody, out)
        if isinstance(node, ast.Match):
            out = set(defined)
            for case in node.cases:
                out |= self.block(case.body, defined | bound_names(case.pattern))
            return frozenset(out)
        return defined | bound_names(node)
