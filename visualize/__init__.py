"""`python -m visualize` from a checkout: the gallery, now graphflow.visualize's (kept for old
instructions; installed copies use `python -m graphflow.visualize` or `graphflow-gallery`)."""
