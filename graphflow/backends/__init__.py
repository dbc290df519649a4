"""Execution backends: the NumPy reference interpreter (the ground truth) and compiled targets."""
