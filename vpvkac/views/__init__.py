"""Web pages of the VPVKAC network, one module per part: the map, the centres, the costs, the network review,
the parameters and recomputations, the operators' figures and imports, the grants. Every row shown passes
through vpvkac/scoping.py (vpvkac/views/scopes.py composes it for the tables without a centre of their own)."""
