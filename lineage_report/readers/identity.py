"""Dataset identity: one name per dataset, whichever tool reported it.

OpenLineage names a dataset by a namespace (its data source, `postgres://host:5432`,
`s3://bucket`, `file`) and a name inside it (`db.schema.table`, an object key, a path); put
together they form a URI, which is the artifact name (spec/Naming.md in OpenLineage). The
`symlinks` facet lists other identities of the same dataset (a table over a path); they are
merged here into the first name a run used. A dbt node is the same table as the OpenLineage
dataset its warehouse relation names: `align_dbt_names` renames the dbt side to match, and
one dbt invocation read both ways (its manifest, the events of OpenLineage's dbt
integration) logs one version per table, not two (invocations.py then makes its two runs
of one model one run).
The OpenLineage and dbt readers both import from here; nothing here imports a reader.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..problems import WARNING, Problem
from .common import DBT_RELATION, Document, problem

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*$")
# Adapters whose OpenLineage namespace needs no host: dbt's manifest names no host, so for
# the others the namespace is found among the OpenLineage datasets (see align_dbt_names).
_HOSTLESS = {"bigquery": "bigquery"}


def dataset_name(namespace: str, name: str) -> str:
    """Return a dataset's artifact name: its namespace and name joined into one URI.

    `postgres://h:5432` + `db.s.t` gives `postgres://h:5432/db.s.t`; the local file system's
    bare `file` namespace gives `file:///tmp/x` (not `file//tmp/x`); a namespace that is no
    URI (`food_delivery`) is joined by a slash, as before.
    """
    if namespace in ("file", "file:", "file://") and name.startswith("/"):
        return "file://" + name
    if "://" in namespace and not namespace.endswith("://"):
        return namespace.rstrip("/") + "/" + name.lstrip("/")
    if namespace.endswith("://"):
        return namespace + name.lstrip("/")
    return f"{namespace}/{name}"


def split_dataset_name(artifact: str) -> tuple[str, str] | None:
    """Return (namespace, name) of a URI-style dataset name, or None when it is no URI.

    The inverse of `dataset_name` for names with an authority (`scheme://host/name`) and
    for the bare namespaces joined by a slash (`bigquery/p.d.t`).
    """
    scheme, sep, rest = artifact.partition("://")
    if sep and _SCHEME.match(scheme):
        authority, slash, name = rest.partition("/")
        return (f"{scheme}://{authority}", name) if slash and name else None
    namespace, slash, name = artifact.partition("/")
    return (namespace, name) if slash and name and _SCHEME.match(namespace) else None


class Identities:
    """Groups of dataset names that are one dataset (a union-find keyed by artifact name).

    A group is shown under the first name a run used for it (its primary name), so merging
    never renames a dataset to an identity only a symlinks facet mentioned.
    """

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.rank: dict[str, tuple[int, int]] = {}  # (0 primary / 1 symlink, first seen)
        self.pairs: dict[str, tuple[str, str]] = {}  # artifact name -> (namespace, name)

    def add(self, namespace: str, name: str, primary: bool) -> str:
        """Record one identity; return its artifact name."""
        key = dataset_name(namespace, name)
        if key not in self.parent:
            self.parent[key] = key
            self.rank[key] = (0 if primary else 1, len(self.rank))
            self.pairs[key] = (namespace, name)
        elif primary and self.rank[key][0] == 1:
            self.rank[key] = (0, self.rank[key][1])
            self.pairs[key] = (namespace, name)
        return key

    def find(self, key: str) -> str:
        """Return the primary name of a name's group."""
        root = key
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[key] != root:  # flatten the path for the next look-up
            self.parent[key], key = root, self.parent[key]
        return root

    def union(self, a: str, b: str) -> None:
        """Merge two names' groups; the group keeps the better-ranked primary name."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        first, second = sorted((ra, rb), key=lambda k: self.rank[k])
        self.parent[second] = first

    def primary(self, key: str) -> str:
        """Return the name a dataset is shown under (a name never seen is its own)."""
        return self.find(key) if key in self.parent else key

    def canonical(self, namespace: str, name: str) -> tuple[str, str]:
        """Return the (namespace, name) the group of this identity is shown under."""
        return self.pairs[self.find(dataset_name(namespace, name))]

    def others(self, namespace: str, name: str) -> list[str]:
        """Return the group's other names, sorted (empty when the dataset has one name)."""
        root = self.find(dataset_name(namespace, name))
        return sorted(k for k in self.parent if k != root and self.find(k) == root)


def symlink_identities(
    facets: dict, path: str, where: str, problems: list[Problem]
) -> list[tuple[str, str]]:
    """Return the (namespace, name) pairs of a `symlinks` facet; report unusable entries."""
    facet = facets.get("symlinks")
    if facet is None:
        return []
    at = f"{where}/facets/symlinks/identifiers"
    items = facet.get("identifiers") if isinstance(facet, dict) else None
    if not isinstance(items, list):
        message = "the symlinks facet has no 'identifiers' array; ignored"
        problems.append(problem(path, at, message, "openlineage.invalid-symlink", WARNING))
        return []
    found = []
    for i, item in enumerate(items):
        parts = [item.get(k) if isinstance(item, dict) else None for k in ("namespace", "name")]
        if all(isinstance(p, str) and p.strip() for p in parts):
            found.append((parts[0], parts[1]))
            continue
        message = "symlink identifier needs 'namespace' and 'name' strings; ignored"
        problems.append(problem(path, f"{at}/{i}", message, "openlineage.invalid-symlink", WARNING))
    return found


# --- dbt and OpenLineage: one name per warehouse table -------------------------------------


def dbt_namespace(adapter_type: str) -> str | None:
    """Return the OpenLineage namespace of a dbt adapter's tables when it needs no host."""
    return _HOSTLESS.get(adapter_type.lower())


def align_dbt_names(
    dbt: Iterable[Document], openlineage: Iterable[Document], problems: list[Problem]
) -> None:
    """Rename, in place, the dbt nodes that OpenLineage events also name to their dataset name.

    A dbt node's relation is `database.schema.alias`; its adapter gives the scheme. The
    namespace is the adapter's own when it needs no host (BigQuery's `bigquery`); otherwise
    the manifest does not say which host, so the relation is matched by scheme and name
    among the OpenLineage datasets: one match is taken, several cost a warning at the node
    and the node keeps its dbt name. The host one match reveals is the host of that whole
    database: the manifest's other tables in it take it too. Last, the OpenLineage events of
    an invocation the manifest also describes log the manifest's versions (`share_versions`).
    """
    dbt, openlineage = list(dbt), list(openlineage)
    known = _openlineage_datasets(openlineage)
    renames: dict[str, str] = {}
    types: dict[str, str] = {}  # OpenLineage name -> the dbt node's type (model, seed...)
    hosts: dict[tuple[str, str], set[str]] = {}  # (manifest, database) -> namespaces matched
    adapters = _adapters(dbt)
    for document in dbt:
        adapter = adapters.get(document.path, "")
        for entry, where in _tables(document):
            target = _match(document, adapter, where, known, problems)
            if target and target != entry.get("name"):
                renames[entry["name"]] = target
                types[target] = entry.get("type", "")
                _learn_host(hosts, document.path, adapter, where, target)
    _rename_by_host(dbt, hosts, renames, problems)
    for document in dbt if renames else []:
        _rename(document.data, renames)
    for document in openlineage if types else []:
        _retype(document.data, types)
    for document in dbt:
        for ref in document.data.get("used_artifacts", []):
            if isinstance(ref, dict):
                ref.pop(DBT_RELATION, None)
    share_versions(dbt, openlineage)


def _openlineage_datasets(documents: Iterable[Document]) -> dict[tuple[str, str], set[str]]:
    """Return {(scheme, dataset name): {artifact names}} of every dataset the events name.

    A name is indexed by what follows its authority and by its last path segment: a
    namespace can hold a path (DuckDB's is `duckdb:///path/to/shop.duckdb`), and a
    warehouse table's name (`db.schema.table`) is then what follows the last slash.
    """
    known: dict[tuple[str, str], set[str]] = {}
    for document in documents:
        data = document.data
        for ref in [*data.get("used_artifacts", []), *data.get("logged_artifacts", [])]:
            split = split_dataset_name(ref.get("name", "")) if isinstance(ref, dict) else None
            if split:
                scheme = split[0].partition(":")[0].lower()
                for name in {split[1], ref["name"].rpartition("/")[2]}:
                    known.setdefault((scheme, name), set()).add(ref["name"])
    return known


def _tables(document: Document) -> list[tuple[dict, dict]]:
    """Return (entry, where its relation is said) for each dbt table a run names.

    A logged version says it in its metadata. A `dbt test` run only uses the node it tests
    (by name, `latest`: no metadata), so its config says where that node's relation is. A
    node a run reads but this invocation did not build (`dbt run --select`) is used by
    `latest`, its relation beside the reference (`DBT_RELATION`).
    """
    data = document.data
    found = [(a, a.get("metadata") or {}) for a in data.get("logged_artifacts", [])]
    for ref in data.get("used_artifacts", []):
        if isinstance(ref, dict) and isinstance(ref.get(DBT_RELATION), dict):
            found.append((ref, ref[DBT_RELATION]))
    run = data.get("run", {})
    if run.get("job_type") == "dbt test" and data.get("used_artifacts"):
        tested = data["used_artifacts"][0]
        if isinstance(tested, dict):
            found.append((tested, run.get("config") or {}))
    return found


def _adapters(dbt: list[Document]) -> dict[str, str]:
    """Return each manifest's adapter type, by path (a source's run does not repeat it)."""
    found: dict[str, str] = {}
    for document in dbt:
        adapter = (document.data.get("run", {}).get("config") or {}).get("adapter_type")
        if isinstance(adapter, str) and adapter:
            found.setdefault(document.path, adapter)
    return found


def _match(document: Document, adapter: str, where: dict, known: dict, problems) -> str | None:
    """Return the OpenLineage name of one dbt relation, or None when there is none or several."""
    found_relation = _relation(where)
    if not adapter or found_relation is None:
        return None
    relation = found_relation[1]
    namespace = dbt_namespace(adapter)
    if namespace is not None:
        exact = dataset_name(namespace, relation)
        return exact if exact in known.get((namespace.lower(), relation), set()) else None
    scheme = "postgres" if adapter.lower() == "postgresql" else adapter.lower()
    found = sorted(known.get((scheme, relation), set()))
    if len(found) > 1:
        message = (
            f"relation {relation} matches {len(found)} OpenLineage datasets "
            f"({', '.join(found)}); the dbt node keeps its own name"
        )
        problems.append(
            problem(document.path, document.location, message, "dbt.ambiguous-identity", WARNING)
        )
        return None
    return found[0] if found else None


def _relation(metadata: dict) -> tuple[str, str] | None:
    """Return (database, `database.schema.table`) of a dbt table's metadata, or None."""
    table = metadata.get("alias") or metadata.get("identifier")  # a source's is `identifier`
    parts = [metadata.get("database"), metadata.get("schema"), table]
    if not all(isinstance(p, str) and p for p in parts):
        return None
    return parts[0], ".".join(parts)


def _learn_host(hosts: dict, path: str, adapter: str, where: dict, target: str) -> None:
    """Note the namespace (the host, or DuckDB's file) a matched table revealed for its
    database: what comes before the table's relation in the name it matched."""
    relation = _relation(where)
    if relation and dbt_namespace(adapter) is None and target.endswith("/" + relation[1]):
        hosts.setdefault((path, relation[0]), set()).add(target[: -len(relation[1]) - 1])


def _rename_by_host(
    dbt: list[Document], hosts: dict, renames: dict[str, str], problems: list[Problem]
) -> None:
    """Give the tables no event names the host their database's matched tables revealed.

    A database lives on one host: when the events name one of its tables on
    `postgres://db1:5432`, its other tables are there too. A database matched on several
    hosts is ambiguous: its other tables keep their dbt names, with one warning.
    """
    warned: set[tuple[str, str]] = set()
    for document in dbt:
        for entry, where in _tables(document):
            relation = _relation(where)
            found = hosts.get((document.path, relation[0])) if relation else None
            name = entry.get("name")
            if not found or name in renames or name in renames.values():
                continue
            if len(found) == 1:
                renames[name] = dataset_name(next(iter(found)), relation[1])
            elif (document.path, relation[0]) not in warned:
                warned.add((document.path, relation[0]))
                message = (
                    f"database {relation[0]} is named on {len(found)} hosts by the OpenLineage "
                    f"events ({', '.join(sorted(found))}); its tables no event names keep "
                    "their dbt names"
                )
                problems.append(
                    problem(
                        document.path, document.location, message, "dbt.ambiguous-identity", WARNING
                    )
                )


def share_versions(dbt: Iterable[Document], openlineage: Iterable[Document]) -> None:
    """Make the OpenLineage events of a dbt invocation log the versions its manifest logs.

    OpenLineage's dbt integration names the invocation in each model run's `dbt_run` facet
    (`invocation_id`). Where the manifest of that invocation logged a version of the same
    table, the event's output takes that version's digest (and inputs pinned to the old
    digest follow), so one invocation read both ways gives one version per table. Each side
    lacks what the other says (dbt: the description and documented columns; OpenLineage:
    column lineage, statistics): both entries get the union. An event's input that a
    manifest of its invocation declares (a source) is read as the manifest's runs read it:
    that declared version. The two runs themselves become one afterwards
    (`invocations.merge_invocation_runs`).
    """
    built: dict[tuple[str, str], dict] = {}  # (invocation id, table) -> the dbt entry
    declared: dict[tuple[str, str], dict] = {}  # (invocation id, source) -> the dbt entry
    for document in dbt:
        run = document.data.get("run", {})
        invocation = (run.get("config") or {}).get("invocation_id")
        invocation = invocation or _declared_invocation(run)
        for artifact in document.data.get("logged_artifacts", []):
            if run.get("design"):
                declared[(invocation, artifact.get("name"))] = artifact
            else:
                built[(invocation, artifact.get("name"))] = artifact
    moved: dict[str, str] = {}  # OpenLineage digest -> the dbt version's digest
    for document in openlineage if built or declared else []:
        invocation = dbt_invocation(document.data)
        for artifact in document.data.get("logged_artifacts", []) if invocation else []:
            twin = built.get((invocation, artifact.get("name")))
            if twin is not None and twin.get("digest"):
                moved[artifact["digest"]] = twin["digest"]
                artifact["digest"] = twin["digest"]
                share_parts(artifact, twin)
        for ref in document.data.get("used_artifacts", []) if invocation else []:
            source = declared.get((invocation, ref.get("name"))) if isinstance(ref, dict) else None
            if source and source.get("digest") and ref.get("alias") == "latest":
                del ref["alias"]
                ref["digest"] = source["digest"]
                _share_checks(source, ref)
    for document in openlineage if moved else []:
        for ref in document.data.get("used_artifacts", []):
            if isinstance(ref, dict) and ref.get("digest") in moved:
                ref["digest"] = moved[ref["digest"]]


def _share_checks(declared: dict, ref: dict) -> None:
    """Tell a source's test once: the events' assertion joins dbt's check on its version.

    dbt puts a source's tests on the version its design run declares; the integration
    reports them again on the input of its test run. What is dbt's goes to dbt's check
    (`fold_checks`); an assertion dbt has not is left on the input.
    """
    if ref.get("checks") and declared.get("checks"):
        declared["checks"], rest = fold_checks(declared["checks"], ref["checks"])
        if rest:
            ref["checks"] = rest
        else:
            del ref["checks"]


def _declared_invocation(run: dict) -> str | None:
    """Return the invocation of a dbt design run, from its id (`<unique id>@<invocation>`)."""
    run_id = run.get("id")
    return run_id.rpartition("@")[2] if isinstance(run_id, str) and "@" in run_id else None


def dbt_invocation(data: dict) -> str | None:
    """Return the dbt invocation id of an OpenLineage run (its `dbt_run` facet), if any."""
    facet = (data.get("run", {}).get("config") or {}).get("run.dbt_run")
    value = facet.get("invocation_id") if isinstance(facet, dict) else None
    return value if isinstance(value, str) and value else None


def share_parts(event: dict, manifest: dict) -> None:
    """Give the two entries of one version what either says (checks stay each run's own)."""
    for key in ("description", "columns", "column_lineage"):
        if not event.get(key) and manifest.get(key):
            event[key] = manifest[key]
        elif event.get(key) and not manifest.get(key):
            manifest[key] = event[key]
    merged = {**(event.get("metadata") or {}), **(manifest.get("metadata") or {})}
    event["metadata"], manifest["metadata"] = merged, dict(merged)


def fold_checks(ours: list[dict], theirs: list[dict]) -> tuple[list[dict], list[dict]]:
    """Return (dbt's checks, the events' others): a check both report is dbt's, told once.

    OpenLineage's dbt integration reports each dbt test as an assertion named by its
    generic test (`unique`), which dbt's test name holds (`unique_orders_id`). A longer
    assertion name is paired first, so `unique` cannot take the test of
    `expect_column_values_to_be_unique`. The pair keeps dbt's name, kind and value; the
    events' message ("expected 0, got 1") is added to dbt's, so nothing they said is lost.
    """
    merged = [dict(c) for c in ours]
    free = set(range(len(merged)))
    paired: set[int] = set()
    for i in sorted(range(len(theirs)), key=lambda i: -len(str(theirs[i].get("name", "")))):
        found = _same_test(merged, free, theirs[i])
        if found is not None:
            free.discard(found)
            paired.add(i)
            _add_message(merged[found], theirs[i])
    return merged, [c for i, c in enumerate(theirs) if i not in paired]


def _same_test(ours: list[dict], free: set[int], check: dict) -> int | None:
    """Return the index of the unpaired dbt test an event's assertion reports, if any.

    An assertion named as the test (the facet's `name`, or a singular test) is that test,
    whatever status each gives it; one named by its generic test (`unique`) is the test
    whose name holds it, with the same status.
    """
    alike = [i for i in sorted(free) if _alike(ours[i], check)]
    exact = [i for i in alike if ours[i].get("name") == check.get("name")]
    if exact:
        return exact[0]
    words = re.compile(rf"(?:^|_){re.escape(str(check.get('name', '')))}_")
    found = []
    for i in alike:
        test = ours[i]
        same = test.get("status") == check.get("status")
        hit = words.search(str(test.get("name", ""))) if same else None
        if hit:  # the earliest hit: `unique` is `unique_m_id`, not `..._to_be_unique_m_id`
            found.append((hit.start(), i))
    return min(found)[1] if found else None


def _alike(test: dict, check: dict) -> bool:
    """Tell whether an event's assertion can report a dbt test: same column and source."""
    kinds = (test.get("kind"), check.get("kind", "assertion")) == ("test", "assertion")
    return kinds and all(test.get(k) == check.get(k) for k in ("column", "source"))


def _add_message(test: dict, check: dict) -> None:
    """Add the events' message to dbt's test, and their value where dbt has none; a status
    they give otherwise is said there too (dbt's is kept: the integration reports a test
    dbt skipped as failed)."""
    theirs, ours = check.get("message") or "", test.get("message") or ""
    if check.get("status") != test.get("status"):
        theirs = "; ".join(p for p in (theirs, f"the events say {check.get('status')}") if p)
    if theirs and theirs not in ours:
        test["message"] = f"{ours}; {theirs}" if ours else theirs
    if test.get("value") is None and check.get("value") is not None:
        test["value"] = check["value"]


def _rename(data: dict, renames: dict[str, str]) -> None:
    """Rename artifacts and the references to them in one manifest document."""
    for ref in [*data.get("used_artifacts", []), *data.get("logged_artifacts", [])]:
        if isinstance(ref, dict) and ref.get("name") in renames:
            ref["name"] = renames[ref["name"]]


def _retype(data: dict, types: dict[str, str]) -> None:
    """Give the OpenLineage versions of a dbt table the dbt node's type.

    One artifact has one type; OpenLineage calls every table a `dataset`, dbt says which
    kind of node built it, so the dbt word is kept where the events had only the generic one.
    """
    for artifact in data.get("logged_artifacts", []):
        wanted = types.get(artifact.get("name"))
        if wanted and artifact.get("type") == "dataset":
            artifact["type"] = wanted
