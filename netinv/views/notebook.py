"""Network views inline in Jupyter: the same offline page, in an iframe, so nothing leaks between views."""

from __future__ import annotations

from html import escape

from ..network import Network
from .network_view import network_view

__all__ = ["show"]


def show(net: Network, height: int = 650, **kwargs):
    """Display the network view in a notebook cell (``IPython.display.HTML``); kwargs as for network_view."""
    from IPython.display import HTML

    page = network_view(net, None, **kwargs)
    return HTML(f'<iframe srcdoc="{escape(page, quote=True)}" style="width:100%;height:{height}px;border:0" '
                'sandbox="allow-scripts"></iframe>')
