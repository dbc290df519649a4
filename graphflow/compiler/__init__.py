"""The graph compiler: a pipeline of Graph -> Graph passes (passes/), fused clusters (fused.py),
memory planning (memory.py) and lowering to a backend's executable plan (lower.py)."""
