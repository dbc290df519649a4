"""graphflow's ops: the registry (registry.py) and one module per op family."""
