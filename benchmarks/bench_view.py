"""How long a view of a generated network with 5,000 people takes to open and stop moving.

    .venv/bin/python benchmarks/bench_view.py [--people 5000]

Target (issue "Views"): within 10 s in headless Chromium on this machine.  The view is the
person-level network (high-volume numbers left out); past 400 nodes its layout is computed in
Python with igraph and the browser's physics stays off, so "stopped moving" is the first complete
drawing.  The figure is the page's own clock (``performance.now()``) when the view reports
itself stable, plus the wall time from navigation, and the time Python took to build the page.
Results go to benchmarks/results/view.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time

from _common import CACHE, machine, save


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--people", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=9)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    from netinv import analysis as an
    from netinv.store import EmbeddedStore
    from netinv.synth import generate
    from netinv.views import network_view
    from netinv.workflow import load_generated

    case = CACHE / f"view-{args.people}-seed{args.seed}"
    ws = case / "ws.duckdb"
    if not ws.exists():
        generate(case, seed=args.seed, people=args.people)
        with EmbeddedStore(ws) as st:
            load_generated(case, st)
    with EmbeddedStore(ws, read_only=True) as st:
        net = st.network(level="person")
    hubs = an.hub_ids(net)
    t = time.perf_counter()
    html = network_view(net, CACHE / "view.html", exclude=hubs)
    build_s = time.perf_counter() - t
    exe = os.environ.get("NETINV_CHROMIUM") or shutil.which("chromium")  # as the test suite finds it
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=["--no-sandbox", "--disable-gpu"])
        page = b.new_page(viewport={"width": 1400, "height": 900})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        t = time.perf_counter()
        page.goto((CACHE / "view.html").as_uri())
        page.wait_for_selector("[data-status=stable]", timeout=120_000)
        wall = time.perf_counter() - t
        stable_ms = float(page.locator(".netinv-graph").get_attribute("data-stable-ms"))
        drawn = page.evaluate("() => Object.values(window.netinvViews)[0].nodes.length")
        page.screenshot(path=str(CACHE / "view.png"))
        b.close()
    out = {
        "benchmark": f"open a view of a generated network with {args.people} people in headless Chromium",
        "machine": machine(), "people": args.people, "network_nodes": len(net), "network_edges": net.n_edges,
        "nodes_drawn": drawn, "html_bytes": len(html.encode()), "python_build_s": round(build_s, 2),
        "browser_stable_ms": round(stable_ms), "browser_wall_s": round(wall, 2), "errors": errors,
        "target_s": 10, "meets_target": stable_ms / 1000 <= 10,
    }
    print(json.dumps(out, indent=2))
    print(f"saved {save('view', out)}", file=sys.stderr)


if __name__ == "__main__":
    main()
