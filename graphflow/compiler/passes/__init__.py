"""One optimization pass per module. Each exposes NAME, DESCRIPTION and
`run(graph) -> (new_graph, stats)`: a pure function that leaves its input graph untouched."""
