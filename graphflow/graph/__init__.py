"""Graph mode: the IR (ir.py), building nodes from ops (builder.py), graph variables,
compat.v1 sessions (session.py) and graphflow.function tracing (function.py)."""
