"""Analysis functions: take a :class:`~netinv.network.Network` and keyword arguments, return DataFrames.

They never touch a store.  Stochastic ones take ``seed`` and give the same answer for the same seed.

- :mod:`~netinv.analysis.centrality`: degree, strength, net money flow, PageRank, betweenness
  (exact or sampled with its error), eigenvector, harmonic closeness;
- :mod:`~netinv.analysis.communities`: Leiden / Louvain splits (cohesive or contact-weighted ties),
  their stability, summaries;
- :mod:`~netinv.analysis.brokerage`: Gould-Fernandez brokerage roles;
- :mod:`~netinv.analysis.hierarchy`: SpringRank hierarchy and upstream candidates;
- :mod:`~netinv.analysis.direction`: which way calls run (up to the bosses, or down from them);
- :mod:`~netinv.analysis.routes`: k best supply routes, optionally time-respecting;
- :mod:`~netinv.analysis.expand`: widening the case from seeds;
- :mod:`~netinv.analysis.hubs`: high-volume numbers to leave out.
"""

from .brokerage import ROLES, brokerage
from .centrality import MEASURES, betweenness, centrality, degree, pagerank
from .direction import CALL_DIRECTIONS, CallDirection, call_direction
from .communities import DEFAULT_RESOLUTION, TIES, community_summary, communities, split_and_stability, stability
from .expand import expand
from .hierarchy import balanced, hierarchy, seed_walks, springrank, upstream, upward_walk
from .hubs import decided_numbers, detect_hubs, hub_ids, kept_numbers
from .routes import routes

__all__ = [
    "degree", "centrality", "pagerank", "betweenness", "MEASURES",
    "communities", "stability", "split_and_stability", "community_summary", "TIES", "DEFAULT_RESOLUTION",
    "brokerage", "ROLES",
    "hierarchy", "springrank", "balanced", "upstream", "upward_walk", "seed_walks",
    "routes", "expand", "detect_hubs", "hub_ids", "decided_numbers", "kept_numbers",
    "call_direction", "CallDirection", "CALL_DIRECTIONS",
]
