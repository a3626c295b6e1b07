"""Naming: the one authority for "node → output path → URL".

Every page's path comes from `page_stem`, a readable slug plus a short hash of the full
key, so any name (`../../etc/passwd`, `CON`, `.`, ten thousand characters, names that
differ only in case or Unicode form) gets its own safe file inside the output folder.
All pages sit at most one folder deep, and every link is relative to the page it is on.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

SLUG_CHARS = 48
# No dots: Windows takes the part before the first dot of `nul.txt` as a device name.
_UNSAFE = re.compile(r"[^\w-]+")

INDEX = "index.html"
ARTIFACTS = "artifacts/index.html"
RUNS = "runs/index.html"
PROBLEMS = "problems.html"
GRAPH = "graph.html"
NOT_FOUND = "404.html"
LINEAGE_JSON = "lineage.json"
# The status file marks a folder as a site of ours (write.py) and keeps the last build's
# record for the next one (status.py).
STATUS_NAME = ".lineage-report-status.json"


@lru_cache(maxsize=1 << 18)
def page_stem(key: str) -> str:
    """Return a safe, unique, readable file stem for any string key (cached: pages link a lot)."""
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    text = unicodedata.normalize("NFKC", key).casefold()
    slug = _UNSAFE.sub("-", text).strip("-_")[:SLUG_CHARS].rstrip("-_")
    return f"{slug}-{digest}" if slug else digest


@lru_cache(maxsize=1 << 18)
def node_path(node_id: str) -> str:
    """Return the page of a graph node: a run or an artifact version."""
    folder = "runs" if node_id.startswith("run:") else "versions"
    return f"{folder}/{page_stem(node_id.split(':', 1)[1])}.html"


def artifact_path(name: str) -> str:
    """Return the page of an artifact name (all its versions)."""
    return f"artifacts/{page_stem(name)}.html"


def type_path(artifact_type: str) -> str:
    """Return the page of an artifact type."""
    return f"types/{page_stem(artifact_type)}.html"


def job_type_path(job_type: str) -> str:
    """Return the page of a job type."""
    return f"jobs/{page_stem(job_type)}.html"


def root_of(path: str) -> str:
    """Return the relative prefix from a page back to the site's root (`""` or `../`)."""
    return "../" * path.count("/")


class PageUrls:
    """Relative URLs from one page to every other page of the site."""

    def __init__(self, path: str):
        self.path = path
        self.root = root_of(path)

    def to(self, target: str) -> str:
        """Return the relative URL of a site path (itself relative to the root)."""
        return self.root + target

    def node(self, node_id: str) -> str:
        """Return the relative URL of a node's page."""
        return self.root + node_path(node_id)

    def artifact(self, name: str) -> str:
        """Return the relative URL of an artifact's page."""
        return self.root + artifact_path(name)

    def artifact_type(self, artifact_type: str) -> str:
        """Return the relative URL of an artifact type's page."""
        return self.root + type_path(artifact_type)

    def job_type(self, job_type: str) -> str:
        """Return the relative URL of a job type's page."""
        return self.root + job_type_path(job_type)
