"""Naming: the one authority for node ids, page paths, asset names and dependency keys.

Node ids: `run:<run id>`; `artifact:<name>:v<N>` for a version; `artifact:<reference>` for
an input logged nowhere in the project, as the run wrote it (`name:best`, `name@sha256:…`,
`name (before v0)`); `type:<kind>:<group>` for the type overview's nodes, which no page
has to itself. Dependency keys, which stand in a page's record for things other than
one node (status.py), start with `@`, which no node id does.

Every page's path comes from `page_stem`, a readable slug plus a short hash of the full
key, so any name (`../../etc/passwd`, `CON`, `.`, ten thousand characters, names that
differ only in case or Unicode form) gets its own safe file inside the output folder.
All pages sit at most one folder deep, and every link is relative to the page it is on.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

SLUG_CHARS = 48
# No dots: Windows takes the part before the first dot of `nul.txt` as a device name.
_UNSAFE = re.compile(r"[^\w-]+")

# ---------------------------------------------------------------- fixed file names

INDEX = "index.html"
ARTIFACTS = "artifacts/index.html"
RUNS = "runs/index.html"
PROBLEMS = "problems.html"
GRAPH = "graph.html"
NOT_FOUND = "404.html"
LINEAGE_JSON = "lineage.json"
SITEMAP = "sitemap.xml"
NOJEKYLL = ".nojekyll"  # GitHub Pages: serve files as they are, no Jekyll
ASSETS = "assets/"
SEARCH_INDEX_ASSET = "search-index.js"  # its name in the templates' asset map
# A fixed name, unlike the other assets': a hashed one would change every page.
SEARCH_INDEX = ASSETS + SEARCH_INDEX_ASSET
# The status file marks a folder as a site of ours (write.py) and keeps the last build's
# record for the next one (status.py).
STATUS_NAME = ".lineage-report-status.json"
# The site's navigation, in order: (text, page path). The single file drops the pages it lacks.
SITE_NAV = (
    ("Overview", INDEX),
    ("Artifacts", ARTIFACTS),
    ("Runs", RUNS),
    ("Graph", GRAPH),
    ("Problems", PROBLEMS),
)

# ---------------------------------------------------------------- node ids

_RUN = "run:"
_ARTIFACT = "artifact:"
_TYPE = "type:"


def run_node(run_id: str) -> str:
    """Return the node id of a run."""
    return _RUN + run_id


def version_tag(number: int) -> str:
    """Return the tag that names a version of an artifact: `v3`."""
    return f"v{number}"


def version_ref(name: str, number: int) -> str:
    """Return how a version is written: `name:v3`."""
    return f"{name}:{version_tag(number)}"


def version_node(name: str, number: int) -> str:
    """Return the node id of an artifact version: `artifact:name:v3`."""
    return _ARTIFACT + version_ref(name, number)


def artifact_node(ref: str) -> str:
    """Return the node id of an artifact reference as written (`name:v3`, `name:best`)."""
    return _ARTIFACT + ref


def is_run(node_id: str) -> bool:
    """Tell whether a node id is a run's."""
    return node_id.startswith(_RUN)


def node_ref(node_id: str) -> str:
    """Return what a node id names without its kind: a run id, an artifact reference."""
    return node_id.split(":", 1)[1]


def type_node(kind: str, group: str) -> str:
    """Return the id of a type overview's node: `type:artifact:dataset`, `type:run:train`."""
    return f"{_TYPE}{kind}:{group}"


def split_type_node(type_id: str) -> tuple[str, str]:
    """Return the node kind and the group of a type overview's node id."""
    kind, group = type_id.split(":", 2)[1:]
    return kind, group


# ---------------------------------------------------------------- dependency keys

# Stands in a page's deps for the type overview's layout: where each type sits depends on
# every type in the project, so a new job type moves the overview on every page.
TYPES_KEY = "@types"


def name_key(name: str) -> str:
    """Return the key that stands for an artifact name's set of versions in page deps."""
    return "@name:" + name


def group_key(kind: str, group: str) -> str:
    """Return the key that stands for the members of a job type or artifact type in deps."""
    return f"@group:{kind}:{group}"


# ---------------------------------------------------------------- page paths


def page_digest(key: str) -> str:
    """Return the 12 hex digits of a key's SHA-256 that end its page's name (the browser
    makes them again for ASCII keys: lineage-graph/digest.js)."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:12]


@lru_cache(maxsize=1 << 18)
def page_stem(key: str) -> str:
    """Return a safe, unique, readable file stem for any string key (cached: pages link a lot)."""
    digest = page_digest(key)
    text = unicodedata.normalize("NFKC", key).casefold()
    slug = _UNSAFE.sub("-", text).strip("-_")[:SLUG_CHARS].rstrip("-_")
    return f"{slug}-{digest}" if slug else digest


@lru_cache(maxsize=1 << 18)
def node_path(node_id: str) -> str:
    """Return the page of a graph node: a run or an artifact version."""
    folder = "runs" if is_run(node_id) else "versions"
    return f"{folder}/{page_stem(node_ref(node_id))}.html"


def artifact_path(name: str) -> str:
    """Return the page of an artifact name (all its versions)."""
    return f"artifacts/{page_stem(name)}.html"


def type_path(artifact_type: str) -> str:
    """Return the page of an artifact type."""
    return f"types/{page_stem(artifact_type)}.html"


def job_type_path(job_type: str) -> str:
    """Return the page of a job type."""
    return f"jobs/{page_stem(job_type)}.html"


def group_path(kind: str, group: str) -> str:
    """Return the page of a group of nodes: a run's job type, an artifact's type."""
    return job_type_path(group) if kind == "run" else type_path(group)


def runs_data_path(job_type: str) -> str:
    """Return the script file beside a job type's page that holds all its runs' rows.

    The page's stem ends in a hash, so no page can take the name.
    """
    return job_type_path(job_type).removesuffix(".html") + "-runs.js"


def type_node_path(type_id: str) -> str:
    """Return the page of a type overview's node: its job type's or artifact type's."""
    return group_path(*split_type_node(type_id))


def list_path(node_id: str, what: str) -> str:
    """Return the first page of a node's own long list: `runs/<stem>-logged.html`.

    Page stems end in a hash, so no node's page can take the name.
    """
    return _suffixed(node_path(node_id), what)


def part_path(base: str, part: int) -> str:
    """Return the path of part `part` of a paged list: `x.html`, `x-p2.html`, ..."""
    return base if part == 1 else _suffixed(base, f"p{part}")


def _suffixed(path: str, suffix: str) -> str:
    """Return a page's path with `-suffix` before `.html`."""
    return path.removesuffix(".html") + f"-{suffix}.html"


# The folder of the part that holds runs without a project: no page stem (which ends in a
# hash) can take this name, so no project's folder can either.
NO_PROJECT_FOLDER = "no-project"


def part_folder(project: str | None) -> str:
    """Return the folder of one part of a split site (`build --split-by`): its project's stem."""
    return page_stem(project) if project else NO_PROJECT_FOLDER


def asset_path(name: str, content: bytes) -> str:
    """Return where an asset goes, named by its content so browsers never use a stale copy."""
    stem, dot, suffix = name.partition(".")
    digest = hashlib.sha256(content).hexdigest()[:10]
    return f"{ASSETS}{stem}.{digest}{dot}{suffix}"


# ---------------------------------------------------------------- links


def root_of(path: str) -> str:
    """Return the relative prefix from a page back to the site's root (`""` or `../`)."""
    return "../" * path.count("/")


@dataclass(frozen=True)
class Parts:
    """Where pages live in a site split into parts (`build --split-by`), seen from one part.

    Parts are sibling folders, each a whole site: a node's page is in its own part, so a
    link to it from another part climbs out of this part's root into the other's.
    """

    here: str  # this part's folder
    folder_of: Mapping[str, str]  # every node id -> its part's folder
    groups: Mapping[tuple[str, str], tuple[str, ...]]  # (kind, group) -> folders listing it

    def owns(self, node_id: str) -> bool:
        """Tell whether a node's page is in this part."""
        return self.folder_of.get(node_id, self.here) == self.here

    def node_prefix(self, node_id: str) -> str:
        """Return the way from this part's root to the root of the part holding a node."""
        folder = self.folder_of.get(node_id, self.here)
        return "" if folder == self.here else f"../{folder}/"

    def group_prefix(self, kind: str, group: str) -> str:
        """Return the way to the part listing a type: this one if it does, else the first."""
        folders = self.groups.get((kind, group), ())
        return "" if not folders or self.here in folders else f"../{folders[0]}/"


# Pages another node's page stands for: node id → that node, artifact name → that node
# (graphview.model_pages: a dbt model's run and artifact, on its version's page).
Shared = tuple[Mapping[str, str], Mapping[str, str]]


class PageUrls:
    """Relative URLs from one page to every other page of the site (or of its sibling
    parts, when `parts` says the site is one of several)."""

    def __init__(self, path: str, parts: Parts | None = None, shared: Shared | None = None):
        self.path = path
        self.root = root_of(path)
        self.parts = parts
        self.shared_nodes, self.shared_names = shared or ({}, {})

    def to(self, target: str) -> str:
        """Return the relative URL of a site path (itself relative to the root)."""
        return self.root + target

    def node(self, node_id: str) -> str:
        """Return the relative URL of a node's page, in another part if it is there."""
        node_id = self.shared_nodes.get(node_id, node_id)
        if self.parts is None:
            return self.root + node_path(node_id)
        return self.root + self.parts.node_prefix(node_id) + node_path(node_id)

    def artifact(self, name: str) -> str:
        """Return the relative URL of an artifact's page (its one version's, if it shares it)."""
        if name in self.shared_names:
            return self.node(self.shared_names[name])
        return self.root + artifact_path(name)

    def artifact_type(self, artifact_type: str) -> str:
        """Return the relative URL of an artifact type's page."""
        return self.root + type_path(artifact_type)

    def job_type(self, job_type: str) -> str:
        """Return the relative URL of a job type's page."""
        return self.root + job_type_path(job_type)

    def type_node(self, type_id: str) -> str:
        """Return the relative URL of a type overview node's page, in another part if only
        another part has members of the type."""
        prefix = self.parts.group_prefix(*split_type_node(type_id)) if self.parts else ""
        return self.root + prefix + type_node_path(type_id)
