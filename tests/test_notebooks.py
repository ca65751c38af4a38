"""The example notebooks (Jupytext .py files) execute from a fresh clone."""

from __future__ import annotations

import os

import pytest

from .conftest import ROOT

NOTEBOOKS = sorted((ROOT / "examples").glob("*.py"))


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path):
    import jupytext
    from nbclient import NotebookClient

    nb = jupytext.read(path)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    html = [o for o in outputs if "text/html" in o.get("data", {})]
    assert any("<iframe srcdoc=" in o["data"]["text/html"] for o in html), "the network view renders inline"
    jupytext.write(nb, tmp_path / f"{path.stem}.ipynb")
