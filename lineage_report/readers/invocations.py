"""One dbt invocation read both ways: a model's dbt run and its OpenLineage run become one run.

dbt's `manifest.json` + `run_results.json` and the events of OpenLineage's dbt integration
(`dbt-ol`) describe the same model executions. Each OpenLineage run of a model names its
invocation in the `dbt_run` run facet (`invocation_id`) and the model in its job name
(`<database>.<schema>.<unique id without its resource type>`), which is the identity of
the execution. The OpenLineage run is folded into the dbt run (its id, name and job type
stay dbt's): its facets, column lineage, checks, events, times, state and parent are added
where dbt lacks them; where both say something else (state, times) dbt's is kept and a
warning points into the events. Nothing either source says is lost: what cannot be merged
is kept under an `openlineage.` key. Runs elsewhere whose parent is the OpenLineage run (a
model's SQL statements) name the dbt run instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..problems import WARNING, Problem, pointer
from .common import SOURCE_FILES, SOURCE_LOCATIONS, Document, parse_time, problem
from .identity import dbt_invocation, fold_checks, share_parts

DISAGREEMENT = "dbt.disagreement"
# The two sources' clocks are two processes' (dbt's timing, the integration's event time):
# times closer than this are the same moment, not a disagreement worth a warning.
SAME_MOMENT_S = 1.0
_SQL_BLOCK = re.compile(r"\*\*SQL\*\*\n\n(`{3,})sql\n(?P<body>.*?)\n\1(?:\n\n)?", re.S)


def merge_invocation_runs(
    dbt: Iterable[Document], openlineage: Iterable[Document], problems: list[Problem]
) -> list[Document]:
    """Fold each OpenLineage run of a dbt model (or of a model's tests) into that model's
    dbt run (or `dbt test` run), in place.

    Returns the OpenLineage documents that stay runs of their own (no dbt run of theirs is
    in the project, or they are neither: a source's tests, the invocation itself).
    """
    dbt = list(dbt)
    by_model, by_table = _dbt_runs(dbt)
    skipped = _skipped_tests(dbt)
    kept: list[Document] = []
    renamed: dict[str, str] = {}  # OpenLineage run id -> the dbt run id it became
    merged: set[int] = set()
    for document in openlineage:
        twin = _twin(document.data, by_model, by_table) if by_model else None
        if twin is None or id(twin) in merged:
            built = _built(document.data, by_model) if by_model else None
            if built is not None:  # `dbt build`: its tests' checks are on the built version
                _fold_tests(built, document, problems)
            _settle_singular_test(document, skipped, problems)
            kept.append(document)
            continue
        merged.add(id(twin))
        renamed[document.data["run"]["id"]] = twin.data["run"]["id"]
        fold_run(twin, document, problems)
    for document in kept if renamed else []:
        parent = document.data["run"].get("parent")
        if isinstance(parent, dict) and parent.get("id") in renamed:
            parent["id"] = renamed[parent["id"]]
    return kept


def _dbt_runs(dbt: Iterable[Document]) -> tuple[dict, dict]:
    """Index the dbt runs of executions: by (invocation, unique id without its resource
    type, plus `.test` for a `dbt test` run), and the builds by (invocation, table logged)."""
    by_model: dict[tuple[str, str], Document] = {}
    by_table: dict[tuple[str, str], list[Document]] = {}
    for document in dbt:
        run = document.data.get("run", {})
        config = run.get("config") or {}
        invocation, uid = config.get("invocation_id"), config.get("unique_id")
        if run.get("design") or not invocation:
            continue
        # The integration names a node's tests job as the node's, with `.test` after it.
        tests = run.get("job_type") == "dbt test"
        if isinstance(uid, str) and "." in uid:
            by_model[(invocation, uid.partition(".")[2] + (".test" if tests else ""))] = document
        for artifact in [] if tests else document.data.get("logged_artifacts", []):
            by_table.setdefault((invocation, artifact.get("name")), []).append(document)
    return by_model, by_table


def _twin(data: dict, by_model: dict, by_table: dict) -> Document | None:
    """Return the dbt run of the same model execution as an OpenLineage run, if any.

    The job name ends with the model's unique id (without `model.`), and a test job's
    with `.test` after it; failing that, the one dbt run of the invocation that logged the
    same table as the events' output is it.
    """
    invocation = dbt_invocation(data)
    if invocation is None:
        return None
    found = _by_job(invocation, _job_names(data), by_model)
    if found is not None:
        return found
    found = {
        id(d): d
        for a in data.get("logged_artifacts", [])
        for d in by_table.get((invocation, a.get("name")), [])
    }
    return next(iter(found.values())) if len(found) == 1 else None


def _job_names(data: dict) -> list[str]:
    """Return an OpenLineage run's job name, and the name without the command the
    integration adds (1.x): `<model>.build.run`, `<model>.build.snapshot` and
    `<model>.snapshot` are the model's; `<model>.build.test`, its tests' (`<model>.test`)."""
    job = data["run"].get("job_type") or ""
    for suffix, instead in ((".build.run", ""), (".build.snapshot", ""), (".snapshot", "")):
        if job.endswith(suffix):
            return [job, job.removesuffix(suffix) + instead]
    return (
        [job, job.removesuffix(".build.test") + ".test"] if job.endswith(".build.test") else [job]
    )


def _by_job(invocation: str, jobs: list[str], by_model: dict) -> Document | None:
    """Return the dbt run a job names: the first of the names whose end is a unique id
    without its resource type (`db.schema.package.model`: `package.model` is tried first)."""
    for job in jobs:
        parts = job.split(".")
        for i in range(len(parts) - 1):
            found = by_model.get((invocation, ".".join(parts[i:])))
            if found is not None:
                return found
    return None


def _built(data: dict, by_model: dict) -> Document | None:
    """Return the dbt run that built the node a `dbt build`'s test job tests, if any."""
    invocation = dbt_invocation(data)
    jobs = [j.removesuffix(".test") for j in _job_names(data)[1:] if j.endswith(".test")]
    return _by_job(invocation, jobs, by_model) if invocation and jobs else None


def _fold_tests(built: Document, events: Document, problems: list[Problem]) -> None:
    """Tell the tests of a built node once: the assertions of its test job (the events'
    checks on what it read) join dbt's checks on the version its dbt run logged.

    A test job whose every assertion is a test dbt skipped (its node failed) did not run:
    the integration reports it failed; it is shown skipped, with a warning.
    """
    logged = {a.get("name"): a for a in built.data.get("logged_artifacts", [])}
    skipped = None
    for ref in events.data.get("used_artifacts", []):
        twin = logged.get(ref.get("name")) if isinstance(ref, dict) else None
        if twin is None or not ref.get("checks"):
            continue
        twin["checks"], rest = fold_checks(twin.get("checks", []), ref["checks"])
        if rest:
            ref["checks"] = rest
        else:
            del ref["checks"]
        every = not rest and all(c.get("status") == "skipped" for c in twin["checks"])
        skipped = every if skipped is None else skipped and every
    if skipped and events.data["run"].get("state") == "failed":
        _show_skipped(events, built.path, problems)


def _show_skipped(events: Document, manifest: str, problems: list[Problem]) -> None:
    """Show a test job whose tests dbt skipped as skipped; warn that the events say failed."""
    events.data["run"]["state"] = "skipped"
    message = (
        f"the OpenLineage events say test job {events.data['run'].get('name')} failed; "
        f"{manifest} says dbt skipped its tests; shown as skipped"
    )
    problems.append(problem(events.path, events.location, message, DISAGREEMENT, WARNING))


def _skipped_tests(dbt: list[Document]) -> dict[tuple[str, str], str]:
    """Return {(invocation, test name): manifest path} of the tests dbt skipped."""
    found: dict[tuple[str, str], str] = {}
    for document in dbt:
        invocation = (document.data.get("run", {}).get("config") or {}).get("invocation_id")
        data = document.data
        for entry in [*data.get("logged_artifacts", []), *data.get("used_artifacts", [])]:
            for check in entry.get("checks", []) if isinstance(entry, dict) else []:
                if check.get("status") == "skipped" and check.get("kind") == "test":
                    found[(invocation, check.get("name"))] = document.path
    return found


def _settle_singular_test(events: Document, skipped: dict, problems: list[Problem]) -> None:
    """Show the integration's run of a singular test (its job is the test's unique id,
    `test.<package>.<name>`) skipped where dbt skipped that test; it reports it failed."""
    run = events.data["run"]
    package, _, name = (run.get("job_type") or "").removeprefix("test.").partition(".")
    manifest = skipped.get((dbt_invocation(events.data), name))
    if package and manifest and run.get("state") == "failed":
        _show_skipped(events, manifest, problems)


def fold_run(into: Document, events: Document, problems: list[Problem]) -> None:
    """Add what an OpenLineage run says to the dbt run of the same execution."""
    run, other = into.data["run"], events.data["run"]
    _keep_dbt_state(into, events, problems)
    # The integration stamps a test job's events with the time it sends them, after dbt
    # has finished (openlineage-dbt's processor: `datetime.now()`): only dbt timed the tests.
    stamped = run.get("job_type") == "dbt test"
    for key in ("started_at", "finished_at"):
        _keep_dbt_time(into, events, key, [] if stamped else problems)
    run["config"] = _union(run.get("config") or {}, other.get("config") or {})
    run["config"]["openlineage.run_id"] = other["id"]
    run["summary"] = _union(run.get("summary") or {}, other.get("summary") or {})
    run["tags"] = sorted({*run.get("tags", []), *other.get("tags", [])})
    run["notes"] = merged_notes(run.get("notes", ""), other.get("notes", ""))
    for key in ("parent", "git", "host", "user"):
        if not run.get(key) and other.get(key):
            run[key] = other[key]
    files = into.data.setdefault(SOURCE_FILES, {})
    origins = into.data.setdefault(SOURCE_LOCATIONS, {})
    files[""], origins[""] = events.path, events.location  # the run itself was read from there too
    _fold_used(into.data, events, files, origins)
    _fold_logged(into.data, events, files, origins)


def _keep_dbt_state(into: Document, events: Document, problems: list[Problem]) -> None:
    """Keep dbt's state (OpenLineage's when dbt has none); warn when the two differ."""
    run, other = into.data["run"], events.data["run"]
    theirs = other.get("state", "finished")
    if "state" not in run:
        run["state"] = theirs
    elif run["state"] != theirs:
        _disagree(into, events, "state", f"'{theirs}'", f"'{run['state']}'", problems)


def _keep_dbt_time(into: Document, events: Document, key: str, problems: list[Problem]) -> None:
    """Keep dbt's time (the events' when dbt has none); warn when they are not one moment."""
    run, other = into.data["run"], events.data["run"]
    ours, theirs = parse_time(run.get(key)), parse_time(other.get(key))
    if theirs is None:
        return
    if ours is None:
        run[key] = other[key]
    elif abs((ours - theirs).total_seconds()) > SAME_MOMENT_S:
        word = {"started_at": "start time", "finished_at": "end time"}[key]
        _disagree(into, events, word, other[key], run[key], problems)


def _disagree(
    into: Document, events: Document, what: str, theirs: str, ours: str, problems: list[Problem]
) -> None:
    """Warn, at the OpenLineage run, that the two sources of one execution disagree."""
    message = (
        f"the OpenLineage events of dbt run {into.data['run']['id']} say its {what} is "
        f"{theirs}, {into.path} says {ours}; dbt's is kept"
    )
    problems.append(problem(events.path, events.location, message, DISAGREEMENT, WARNING))


def _union(ours: dict, theirs: dict) -> dict:
    """Return dbt's entries and the events' others; an entry both give differently is kept
    twice, the events' one under `openlineage.<key>`."""
    merged = dict(ours)
    for key, value in theirs.items():
        if key not in merged:
            merged[key] = value
        elif merged[key] != value:
            merged[f"openlineage.{key}"] = value
    return merged


def merged_notes(ours: str, theirs: str) -> str:
    """Return dbt's notes and what the events' notes add: their SQL when it is not dbt's
    compiled code, their documentation and error text."""
    if not theirs or theirs in ours:
        return ours
    rest = _SQL_BLOCK.sub(lambda m: "" if m["body"] in ours else m[0], theirs).strip()
    if not rest:
        return ours
    return f"{ours}\n\n**From the OpenLineage events**\n\n{rest}" if ours else rest


def _fold_used(data: dict, events: Document, files: dict, origins: dict) -> None:
    """Add the events' inputs: checks and facets to dbt's reference of the same table,
    the others as references of their own (located in the events)."""
    refs = data.setdefault("used_artifacts", [])
    named = {r["name"]: r for r in refs if isinstance(r, dict)}
    for i, ref in enumerate(events.data.get("used_artifacts", [])):
        twin = named.get(ref["name"])
        if twin is None:
            _adopt(refs, "used_artifacts", events, i, files, origins)
            continue
        if ref.get("checks"):
            _add_checks(twin, ref["checks"])
        if ref.get("facets"):
            twin["facets"] = {**twin.get("facets", {}), **ref["facets"]}


def _fold_logged(data: dict, events: Document, files: dict, origins: dict) -> None:
    """Add the events' outputs: what they say to dbt's entry of the same table (its checks
    too), the others as entries of their own (located in the events)."""
    logged = data.setdefault("logged_artifacts", [])
    named = {a["name"]: a for a in logged}
    for i, artifact in enumerate(events.data.get("logged_artifacts", [])):
        twin = named.get(artifact["name"])
        if twin is None:
            _adopt(logged, "logged_artifacts", events, i, files, origins)
            continue
        share_parts(artifact, twin)
        if artifact.get("checks"):
            _add_checks(twin, artifact["checks"])


def _add_checks(twin: dict, checks: list[dict]) -> None:
    """Give dbt's entry the events' checks: a test both report is one (fold_checks)."""
    ours, rest = fold_checks(twin.get("checks", []), checks)
    twin["checks"] = [*ours, *rest]


def _adopt(
    items: list, section: str, events: Document, index: int, files: dict, origins: dict
) -> None:
    """Append the events' part `section[index]` the dbt run lacks, noting where it is."""
    items.append(events.data[section][index])
    key = pointer(section, len(items) - 1)
    files[key] = events.path
    origin = (events.data.get(SOURCE_LOCATIONS) or {}).get(pointer(section, index))
    origins[key] = origin if origin is not None else events.location + pointer(section, index)
