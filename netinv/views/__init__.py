"""Views: offline, escaped HTML built from a Network and result frames (never from a store)."""

from .contact_wheel import contact_wheel
from .html import page, safe_json, write_page
from .network_view import network_fragment, network_view, neighbourhood
from .notebook import show

__all__ = ["network_view", "network_fragment", "neighbourhood", "page", "safe_json", "write_page", "show",
           "contact_wheel"]
