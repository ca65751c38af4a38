"""Analysis functions: take a :class:`~netinv.network.Network` and keyword arguments, return DataFrames.

They never touch a store.  Stochastic ones take ``seed`` and give the same answer for the same seed.
"""

from .centrality import degree

__all__ = ["degree"]
