"""Self-contained, offline HTML: one page, every script and style inlined, no network request.

Strings that came from data reach the page in two ways only, both inert: as text in Jinja
templates with autoescaping on, or inside a JSON ``<script type="application/json">`` block in
which ``<``, ``>`` and ``&`` are written as ``\\u003c``-style escapes, so no data can close the
block or be parsed as markup.  A Content-Security-Policy forbids every request the page could make.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from functools import lru_cache
from importlib import resources
from pathlib import Path

import jinja2
from markupsafe import Markup

from .. import __version__
from ..folders import make_folder

__all__ = ["env", "safe_json", "vis_assets", "page", "write_page"]


@lru_cache(maxsize=1)
def env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("netinv.views", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def safe_json(data) -> Markup:
    """JSON that is safe inside a ``<script>`` element (no ``<``, ``>`` or ``&`` characters)."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)


@lru_cache(maxsize=1)
def vis_assets() -> tuple[str, str]:
    """The vis-network script and style shipped with pyvis (read once)."""
    lib = resources.files("pyvis") / "lib" / "vis-9.1.2"
    js = (lib / "vis-network.min.js").read_text(encoding="utf-8")
    css = (lib / "vis-network.css").read_text(encoding="utf-8")
    if "</script" in js.lower() or "</style" in css.lower():  # would end the inline element early
        js = js.replace("</script", "<\\/script")
        css = css.replace("</style", "<\\/style")
    return js, css


def page(title: str, body: Markup, subtitle: str = "", lang: str = "en", scripts: bool = True) -> str:
    """A whole HTML page around ``body`` (trusted markup produced by netinv's own templates).
    Without ``scripts`` (a page of tables only) the network view's script is left out and the
    page's policy allows no script at all."""
    js, css = vis_assets() if scripts else ("", "")
    style = (resources.files("netinv.views") / "templates" / "style.css").read_text(encoding="utf-8")
    return env().get_template("page.html").render(
        title=title, subtitle=subtitle, lang=lang, body=body, version=__version__,
        generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        vis_js=Markup(js), vis_css=Markup(css), page_css=Markup(style),
    )


def write_page(path: str | Path, html: str) -> Path:
    p = Path(path)
    make_folder(p.parent)
    p.write_text(html, encoding="utf-8")
    return p
