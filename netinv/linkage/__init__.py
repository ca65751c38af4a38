"""Case linkage and identity: person resolution, replacement phones, linked cases.

- :mod:`~netinv.linkage.resolution`: which person ids are one person (Splink on DuckDB);
- :mod:`~netinv.linkage.successors`: which new phone replaced one that went quiet;
- :mod:`~netinv.linkage.cases`: which cases are one network (串并).
"""

from .cases import case_links, link_cases
from .resolution import Resolution, profiles, resolve
from .successors import holder_arrests, phone_pairs, quiet_on_arrest, successors

__all__ = ["Resolution", "profiles", "resolve", "successors", "phone_pairs", "quiet_on_arrest", "holder_arrests",
           "case_links", "link_cases"]
