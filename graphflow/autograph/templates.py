"""Building generated code from Python templates, and keeping generated code apart from the
user's: generated nodes carry no source location of their own (`locate` gives them the user
statement they stand for) and are marked, so later passes can tell them from user code.

    >>> import ast
    >>> stmts = replace("target = ag__.ld(value)", target="x", value=ast.Name("y", ast.Load()))
    >>> ast.unparse(locate(stmts, ast.parse("pass").body[0])[0])
    'x = ag__.ld(y)'
"""
import ast
import copy
import textwrap

_LOCATION = ("lineno", "col_offset", "end_lineno", "end_col_offset")


def mark(node):
    """Marks every node in `node` as generated (and strips the template's own locations)."""
    for n in ast.walk(node):
        n._ag_generated = True
        for attr in _LOCATION:
            if attr in n.__dict__:
                delattr(n, attr)
    return node


def is_generated(node):
    return getattr(node, "_ag_generated", False)


def name(identifier, ctx=None):
    """A generated Name node."""
    n = ast.Name(id=identifier, ctx=ctx or ast.Load())
    n._ag_generated = True
    return n


def constant(value):
    n = ast.Constant(value=value)
    n._ag_generated = True
    return n


def strings(values):
    """A generated tuple of string constants, e.g. the symbol names passed to the operators."""
    n = ast.Tuple(elts=[constant(v) for v in values], ctx=ast.Load())
    n._ag_generated = True
    return n


class _Replacer(ast.NodeTransformer):
    def __init__(self, subs):
        self.subs = subs

    def _sub(self, key):
        return self.subs.get(key)

    def visit_Expr(self, node):
        # A statement that is just a placeholder name expands to a list of statements.
        if isinstance(node.value, ast.Name) and isinstance(self._sub(node.value.id), list):
            return self._sub(node.value.id)
        return self.generic_visit(node)

    def visit_Name(self, node):
        value = self._sub(node.id)
        if value is None:
            return node
        if isinstance(value, str):
            return name(value, node.ctx)
        if isinstance(value, ast.AST):
            return _with_ctx(value, node.ctx)
        raise TypeError(f"template placeholder {node.id!r}: cannot substitute {value!r}")

    def visit_FunctionDef(self, node):
        value = self._sub(node.name)
        if isinstance(value, str):
            node.name = value
        return self.generic_visit(node)

    def visit_arg(self, node):
        value = self._sub(node.arg)
        if isinstance(value, str):
            node.arg = value
        return node


def _with_ctx(node, ctx):
    """`node` used in a Load or Store position (assignment targets need Store contexts)."""
    if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript, ast.Starred, ast.Tuple, ast.List)):
        if type(node.ctx) is not type(ctx):
            node = copy.copy(node)
            node.ctx = ctx
            if isinstance(node, (ast.Tuple, ast.List)):
                node.elts = [_with_ctx(e, ctx) for e in node.elts]
            elif isinstance(node, ast.Starred):
                node.value = _with_ctx(node.value, ctx)
    return node


def replace(template, **subs):
    """The statements of `template` (Python source) with placeholders substituted: a str renames
    a name, an AST expression replaces a name, a list of statements replaces a statement that is
    only the placeholder's name."""
    tree = mark(ast.parse(textwrap.dedent(template)))
    body = _Replacer(subs).visit(tree).body
    out = []
    for stmt in body:
        out.extend(stmt if isinstance(stmt, list) else [stmt])
    return out


def replace_expression(template, **subs):
    """Like `replace` for a template that is one expression."""
    stmt, = replace(template, **subs)
    return stmt.value


def locate(nodes, origin):
    """Gives every node in `nodes` that has no location the location of `origin` (the user
    statement it was made from), so tracebacks point at the user's line."""
    # Generated code spans only the first line of its statement: Python reports a call at
    # the line where its callee's name ends, which must be the statement's own line.
    line = getattr(origin, "lineno", 1)
    col = getattr(origin, "col_offset", 0)
    single = getattr(origin, "end_lineno", line) == line
    where = {"lineno": line, "col_offset": col, "end_lineno": line,
             "end_col_offset": (getattr(origin, "end_col_offset", None) or col) if single else col}
    for node in (nodes if isinstance(nodes, list) else [nodes]):
        for n in ast.walk(node):
            if "lineno" in n._attributes and "lineno" not in n.__dict__:
                for attr, value in where.items():
                    setattr(n, attr, value)
    return nodes


def nonlocal_declarations(names, global_names):
    """`global` / `nonlocal` statements that let a generated function assign `names`."""
    out = []
    glob = sorted(n for n in names if n in global_names)
    loc = sorted(n for n in names if n not in global_names)
    if glob:
        out.append(mark(ast.Global(names=glob)))
    if loc:
        out.append(mark(ast.Nonlocal(names=loc)))
    return out
