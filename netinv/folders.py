"""Folders for what netinv writes: made where missing, with an error that names what is in the way."""

from __future__ import annotations

from pathlib import Path

from .errors import NetinvError

__all__ = ["make_folder"]


def make_folder(folder: str | Path) -> Path:
    """``folder`` and the folders above it, made where missing; :class:`NetinvError` naming the
    file in the way where one is (``out.csv/report.html``: ``out.csv`` is a file, not a folder)."""
    d = Path(folder)
    try:
        d.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as e:
        in_the_way = next((q for q in (d, *d.parents) if q.exists() and not q.is_dir()), d)
        raise NetinvError(f"cannot make the folder {d}: {in_the_way} is a file, not a folder") from e
    return d
