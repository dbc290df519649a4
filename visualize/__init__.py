"""Gallery of graphflow pictures: `python -m visualize [--out DIR]` (see gallery.py)."""
