"""Which way calls run in this organisation: do subordinates call their bosses, or bosses their people?

The hierarchy (:func:`~netinv.analysis.hierarchy.hierarchy`) and the upward walk
(:func:`~netinv.analysis.hierarchy.upstream`) read call direction as evidence of rank.  That
evidence is not the same in every organisation:

- ``"up"``: subordinates call their bosses more than the reverse (they report, order, ask to be
  paid), so the callee is above the caller;
- ``"down"``: bosses call their people more (they give the orders), so the caller is above.  In the
  CAVIAR wiretaps (Morselli 2009) the coordinator of the hashish imports placed more of the calls
  on 44 of his 60 ties.

``"auto"`` decides from the money layer, whose direction is not in doubt (payments go up the
chain): among the pairs that both call and pay each other, if the payer places more of the calls
in most of them, calls run up.  With fewer than ``min_pairs`` such pairs (or no payments at all)
the money cannot settle it; then ``"up"`` is taken, and the note says so.  A network without calls
has no call direction to read: the note says that instead.

>>> call_direction(net).note                                        # doctest: +SKIP
'calls run up (the callee is above the caller): the payer placed more of the calls in 41 of 52 ...'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np

from ..errors import NetinvError
from ..network import Network
from .graphs import adjacency

__all__ = ["CALL_DIRECTIONS", "CallDirection", "call_direction"]

#: what ``call_direction`` accepts
CALL_DIRECTIONS = ("auto", "up", "down")


@dataclass(frozen=True)
class CallDirection:
    """The call direction used, how it was decided, and the money evidence behind it."""

    direction: str  # "up" or "down"
    # "given", "money", "default" (too few pairs), "no money" (no payments to tell from) or "no calls"
    decided_by: str
    pairs: int = 0  # pairs with one-way payments and calls between them, where one side calls more
    payer_calls_more: int = 0  # of those, the pairs where the payer places more of the calls

    @property
    def note(self) -> str:
        what = ("calls run up (the callee is above the caller)" if self.direction == "up"
                else "calls run down (the caller is above the callee)")
        if self.decided_by == "no calls":
            return "no calls in the network: call direction plays no part in the ranks"
        if self.decided_by == "given":
            return f"{what}, as asked"
        evidence = (f"the payer placed more of the calls in {self.payer_calls_more} of the {self.pairs} pair(s) "
                    "that both call and pay each other")
        if self.decided_by == "money":
            return f"{what}: {evidence}"
        if self.decided_by == "no money":
            return f"{what} by default: no payments in the network to tell from"
        return f"{what} by default: too few pairs both call and pay each other to tell ({evidence})"


def call_direction(net: Network, direction: str = "auto", *, exclude: Iterable[str] | None = None,
                   min_pairs: int = 5) -> CallDirection:
    """The call direction to read rank from: ``direction`` itself, or with ``"auto"`` the money's verdict."""
    if direction not in CALL_DIRECTIONS:
        raise NetinvError(f"unknown call direction {direction!r}; use one of {', '.join(CALL_DIRECTIONS)}")
    if direction != "auto":
        return CallDirection(direction, "given")
    money = adjacency(net, ("money",), "count", True, exclude).tocsr()
    calls = adjacency(net, ("calls",), "count", True, exclude).tocsr()
    if calls.nnz == 0:
        return CallDirection("up", "no calls")
    if money.nnz == 0:
        return CallDirection("up", "no money")
    paid = (money > 0).astype(np.float64)
    one_way = (paid - paid.multiply(paid.T)).tocsr()  # [payer, payee]: payments one way only
    # calls payer -> payee minus payee -> payer, on those pairs only
    diff = (calls.multiply(one_way) - calls.T.tocsr().multiply(one_way)).tocsr()
    payer_more, payee_more = int((diff.data > 0).sum()), int((diff.data < 0).sum())
    pairs = payer_more + payee_more
    if pairs < min_pairs:
        return CallDirection("up", "default", pairs, payer_more)
    return CallDirection("up" if 2 * payer_more >= pairs else "down", "money", pairs, payer_more)
