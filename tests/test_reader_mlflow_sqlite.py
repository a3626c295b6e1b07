"""An MLflow SQLite store (`mlflow.db`, MLflow 3's default) read as its file store is.

tests/data/mlflow_sqlite was written by the same script as tests/data/mlflow_nested (SOURCE.md
there), with MLflow's default store instead of `file:./mlruns`. Before this reader, a project
holding `mlflow.db` built nothing and said nothing: no default glob matched it.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
from pathlib import Path

import pytest

import lineage_report
from lineage_report.readers import FilesInMemory, detect_format, mlflow_sqlite, read_mlflow_sqlite

DATA = Path(__file__).parent / "data"
SQLITE = DATA / "mlflow_sqlite"


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """Return the lineage of the file store and of the SQLite store the same script wrote."""
    files = tmp_path_factory.mktemp("files")
    shutil.copytree(DATA / "mlflow_nested" / "mlruns", files / "mlruns")
    sqlite = tmp_path_factory.mktemp("sqlite")
    shutil.copy(SQLITE / "mlflow.db", sqlite / "mlflow.db")
    shutil.copytree(SQLITE / "mlruns", sqlite / "mlruns")  # the artifacts, beside the store
    return lineage_report.load(files), lineage_report.load(sqlite)


def seen(lineage) -> dict:
    """Return what a user sees of each run and version, without ids and times."""
    graph = lineage.graph
    names = {n: graph.nodes[n].get("name") for n in graph if n.startswith("run:")}
    shown = {}
    for node in sorted(graph):
        data = graph.nodes[node]
        if node.startswith("run:"):
            parent = (data.get("parent") or {}).get("name")
            used = sorted(graph.nodes[u]["label"] for u, _ in graph.in_edges(node))
            logged = sorted(graph.nodes[v]["label"] for _, v in graph.out_edges(node))
            keys = ("state", "job_type", "project", "config", "summary", "tags", "user")
            shown[f"run {data['name']}"] = {k: data.get(k) for k in keys} | {
                "parent": parent,
                "used": used,
                "logged": logged,
            }
        else:
            metadata = dict(data.get("metadata") or {})
            for volatile in ("model_id", "artifact_location"):
                metadata.pop(volatile, None)
            producer = names.get(data.get("producer"))
            shown[data["label"]] = {"metadata": metadata, "producer": producer}
    return shown


def store_copy(tmp_path: Path) -> Path:
    """Copy the MLflow 3 store into tmp_path, for a test to edit; return its path."""
    copy = tmp_path / "mlflow.db"
    shutil.copy(SQLITE / "mlflow.db", copy)
    return copy


def test_the_sqlite_store_shows_what_the_file_store_shows(stores):
    files, sqlite = stores
    assert seen(sqlite) == seen(files)
    runs = [n for n in sqlite.graph if n.startswith("run:")]
    assert len(runs) == 6


def test_what_is_not_read_is_counted_as_in_the_file_store(stores):
    files, sqlite = stores

    def unsupported(lineage):
        return sorted(p.message for p in lineage.problems if p.kind == "mlflow.unsupported")

    assert unsupported(sqlite) == unsupported(files)
    assert len(unsupported(sqlite)) == 3  # two runs' artifacts/, the registered model
    assert [p for p in sqlite.problems if p.kind != "mlflow.unsupported"] == []


def test_problems_point_into_the_database(stores):
    _, sqlite = stores
    where = sorted((p.path, p.location.split("/")[0]) for p in sqlite.problems)
    assert where == [
        ("mlflow.db", "registered_models"),
        ("mlflow.db", "runs"),
        ("mlflow.db", "runs"),
    ]
    [registry] = [p for p in sqlite.problems if p.location.startswith("registered_models/")]
    assert registry.location == "registered_models/mnist-clf"


def test_the_default_globs_find_a_store_in_a_subfolder(tmp_path):
    (tmp_path / "training").mkdir()
    shutil.copy(SQLITE / "mlflow.db", tmp_path / "training" / "mlflow.db")
    lineage = lineage_report.load(tmp_path)
    assert len([n for n in lineage.graph if n.startswith("run:")]) == 6


def test_a_sqlite_file_is_detected_as_mlflow():
    assert detect_format("x/tracking.sqlite", (SQLITE / "mlflow.db").read_bytes()) == "mlflow"


def test_a_sqlite_file_that_is_not_mlflows_costs_one_problem(tmp_path):
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE songs (title TEXT)")
    docs, problems = read_mlflow_sqlite("data/mlflow.db", other.read_bytes(), FilesInMemory({}))
    assert docs == []
    assert [(p.path, p.location, p.message, p.kind, p.severity) for p in problems] == [
        (
            "data/mlflow.db",
            "",
            "a SQLite database without MLflow's tables "
            "(experiments, runs, params, metrics, tags missing); not read",
            "mlflow.unknown-file",
            "warning",
        )
    ]


def test_a_truncated_store_costs_one_problem_and_no_traceback(tmp_path):
    raw = (SQLITE / "mlflow.db").read_bytes()
    (tmp_path / "mlflow.db").write_bytes(raw[: len(raw) // 3])
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "ok.json").write_text(
        '{"manifest_version": 1, "run": {"id": "r1", "job_type": "train"}}'
    )
    lineage = lineage_report.load(tmp_path)
    [bad] = [p for p in lineage.problems if p.path == "mlflow.db"]
    assert (bad.kind, bad.severity) == ("mlflow.invalid-store", "error")
    assert bad.message.startswith("not a readable SQLite database (")
    assert "run:r1" in lineage.graph  # the good input beside it is read


def test_a_bad_value_in_a_run_points_to_its_row(tmp_path):
    copy = store_copy(tmp_path)
    with sqlite3.connect(copy) as db:
        db.execute("PRAGMA ignore_check_constraints = 1")  # as a newer MLflow might write
        (run_id,) = db.execute("SELECT run_uuid FROM runs WHERE name = 'broken'").fetchone()
        db.execute("UPDATE runs SET status = 'LOST' WHERE run_uuid = ?", (run_id,))
    docs, problems = read_mlflow_sqlite("mlflow.db", copy.read_bytes(), FilesInMemory({}))
    assert len(docs) == 6
    [status] = [p for p in problems if p.kind == "mlflow.invalid-run"]
    assert (status.path, status.location, status.message) == (
        "mlflow.db",
        f"runs/{run_id}: /status",
        "unknown status 'LOST'; read as running",
    )


def test_a_missing_row_is_named_by_its_table(tmp_path):
    copy = store_copy(tmp_path)
    with sqlite3.connect(copy) as db:
        (dataset,) = db.execute("SELECT dataset_uuid FROM datasets WHERE name = 'mnist-test'")
        db.execute("DELETE FROM datasets WHERE dataset_uuid = ?", dataset)
        (run_id, input_id) = db.execute(
            "SELECT destination_id, input_uuid FROM inputs WHERE source_id = ?", dataset
        ).fetchone()
    docs, problems = read_mlflow_sqlite("mlflow.db", copy.read_bytes(), FilesInMemory({}))
    assert len(docs) == 6
    [missing] = [p for p in problems if p.kind == "mlflow.missing-file"]
    assert (missing.path, missing.location, missing.message) == (
        "mlflow.db",
        f"runs/{run_id}/inputs/{input_id}",
        f"datasets/{dataset[0]} is missing; this part of the run is left out",
    )


def wal_store(folder: Path) -> Path:
    """Return a copy of the store switched to WAL mode, as `PRAGMA journal_mode=wal` leaves it."""
    copy = folder / "mlflow.db"
    shutil.copy(SQLITE / "mlflow.db", copy)
    db = sqlite3.connect(copy)
    db.execute("PRAGMA journal_mode = wal")
    db.close()
    return copy


def test_a_store_in_wal_mode_is_read(tmp_path):
    # An in-memory copy of a WAL-mode file would not open ("unable to open database file"),
    # which was an invalid-store error for a healthy store.
    store = wal_store(tmp_path)
    docs, problems = read_mlflow_sqlite("mlflow.db", store.read_bytes(), FilesInMemory({}))
    assert len(docs) == 6
    assert [p.kind for p in problems] == ["mlflow.unsupported"]  # the registered model


def test_changes_still_in_the_wal_file_are_counted(tmp_path):
    raw = wal_store(tmp_path).read_bytes()
    files = FilesInMemory({"mlflow.db-wal": b"\0" * 4096})  # MLflow still writing
    docs, problems = read_mlflow_sqlite("mlflow.db", raw, files)
    assert len(docs) == 6
    [wal] = [p for p in problems if p.location == ""]
    assert (wal.path, wal.kind, wal.severity) == ("mlflow.db", "mlflow.unsupported", "warning")
    assert wal.message == (
        "mlflow.db-wal holds changes not yet written into the store (is MLflow still "
        "running?); they are not read"
    )


def test_a_metric_is_its_latest_row_and_its_history_is_not_laid_out(tmp_path):
    # A history of 1.2 million rows was laid out whole as text for the file reader to pick
    # from: 24 s and 156 MB for one store; SQLite now picks the same row.
    copy = store_copy(tmp_path)
    with sqlite3.connect(copy) as db:
        (run_id,) = db.execute("SELECT run_uuid FROM runs WHERE name = 'prepare'").fetchone()
        rows = [(9, 100, 5, 0), (7, 200, 3, 0), (0, 100, 5, 1), (8, 100, 5, 0)]  # value, time,
        db.executemany(  # step, is_nan: step 5 wins over a later step 3, a number over NaN
            "INSERT INTO metrics (key, value, timestamp, step, is_nan, run_uuid) "
            "VALUES ('acc', ?, ?, ?, ?, ?)",
            [(*row, run_id) for row in rows],
        )
    store = mlflow_sqlite._open(copy.read_bytes())
    tree = mlflow_sqlite._Tree("mlflow.db", store, FilesInMemory({}))
    tree.build()
    [acc] = [k for k in tree.files if k.endswith(f"{run_id}/metrics/acc")]
    assert tree.files[acc] == b"100 9.0 5\n"
    docs, _ = read_mlflow_sqlite("mlflow.db", copy.read_bytes(), FilesInMemory({}))
    [prepare] = [d for d in docs if d.data["run"]["id"] == run_id]
    assert prepare.data["run"]["summary"] == {"rows": 20.0, "acc": 9.0}


def test_a_store_of_an_older_mlflow_without_newer_columns_is_read(tmp_path):
    # MLflow 2's `inputs` has no `step` and old stores' `metrics` no `is_nan`: "no such
    # column" made the whole store one invalid-store error.
    copy = store_copy(tmp_path)
    with sqlite3.connect(copy) as db:
        db.execute("ALTER TABLE inputs DROP COLUMN step")
        db.execute("DROP INDEX IF EXISTS index_metrics_run_uuid")  # none of these use is_nan
        db.execute("ALTER TABLE metrics RENAME TO metrics_old")
        db.execute(
            "CREATE TABLE metrics AS SELECT key, value, timestamp, step, run_uuid FROM metrics_old"
        )
    docs, problems = read_mlflow_sqlite("mlflow.db", copy.read_bytes(), FilesInMemory({}))
    assert [p.kind for p in problems] == ["mlflow.unsupported"]  # the registered model
    runs = {d.data["run"]["name"]: d.data for d in docs}
    assert runs["train-C1.0"]["run"]["summary"] == {"loss": 0.3333333333333333}
    assert [m["name"] for m in runs["train-C1.0"]["logged_artifacts"]] == ["model"]


def test_an_artifact_location_naming_a_parent_folder_is_not_followed(tmp_path):
    # A store's artifact_uri is the writer's text: `.../mlruns/../notes/artifacts` was
    # joined beside the store and listed: a folder of the project that no run owns.
    copy = store_copy(tmp_path)
    with sqlite3.connect(copy) as db:
        db.execute("UPDATE runs SET artifact_uri = '/x/mlruns/../notes/artifacts'")
    (tmp_path / "mlruns").mkdir()
    (tmp_path / "notes" / "artifacts").mkdir(parents=True)
    (tmp_path / "notes" / "artifacts" / "todo.txt").write_text("private")
    lineage = lineage_report.load(tmp_path)
    assert len([n for n in lineage.graph if n.startswith("run:")]) == 6
    assert [p.location for p in lineage.problems] == ["registered_models/mnist-clf"]


def test_a_view_is_not_a_table_of_the_store(tmp_path):
    # A view can compute anything at every read; the store's rows are only read from tables.
    other = tmp_path / "views.db"
    with sqlite3.connect(other) as db:
        for name in ("experiments", "params", "metrics", "tags"):
            db.execute(f"CREATE TABLE {name} (x)")
        db.execute(
            "CREATE VIEW runs AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
            "SELECT i AS run_uuid FROM n"
        )
    docs, problems = read_mlflow_sqlite("mlflow.db", other.read_bytes(), FilesInMemory({}))
    assert docs == []
    assert [(p.kind, p.message) for p in problems] == [
        (
            "mlflow.unknown-file",
            "a SQLite database without MLflow's tables (runs missing); not read",
        )
    ]


def test_a_logged_models_nan_metric_reads_as_the_file_stores(tmp_path):
    # SQLite keeps a NaN as NULL; logged_model_metrics has no is_nan flag, so the latest
    # value was written "None": an invalid-metric line, and an older value was shown.
    copy = store_copy(tmp_path)
    with sqlite3.connect(copy) as db:
        model_id, exp, run_id = db.execute(
            "SELECT model_id, experiment_id, source_run_id FROM logged_models "
            "WHERE model_id IN (SELECT destination_id FROM inputs WHERE source_type = 'RUN_INPUT')"
        ).fetchone()
        db.execute(
            "INSERT INTO logged_model_metrics (model_id, metric_name, metric_timestamp_ms, "
            "metric_step, metric_value, experiment_id, run_id) "
            "VALUES (?, 'loss', 5, 9, NULL, ?, ?)",
            (model_id, exp, run_id),
        )
    docs, problems = read_mlflow_sqlite("mlflow.db", copy.read_bytes(), FilesInMemory({}))
    [model] = [
        m for d in docs for m in d.data["logged_artifacts"] if m["metadata"]["model_id"] == model_id
    ]
    assert model["metadata"]["metrics"] == {"loss": "nan"}
    [nan] = [p for p in problems if p.kind == "mlflow.invalid-metric"]
    assert (nan.location, nan.message) == (
        f"logged_models/{model_id}/metrics/loss: line 1",
        "latest value nan is not a finite number; shown as text",
    )


def test_a_tracking_servers_store_and_its_mlartifacts_folder(tmp_path):
    # `mlflow server --backend-store-uri sqlite:///mlflow.db` keeps files in ./mlartifacts and
    # names them `mlflow-artifacts:/<experiment>/<run>/artifacts` (as MLflow 3.17.2 wrote
    # them, 2026-12-07): each JSON artifact was a manifest.invalid error, the runs' files were
    # not counted and the models had no flavors.
    copy = store_copy(tmp_path)
    with sqlite3.connect(copy) as db:
        for table, column in (("runs", "artifact_uri"), ("logged_models", "artifact_location")):
            db.execute(
                f"UPDATE {table} SET {column} = "
                f"'mlflow-artifacts:/' || substr({column}, instr({column}, '/mlruns/') + 8)"
            )
    shutil.copytree(SQLITE / "mlruns", tmp_path / "mlartifacts")
    lineage = lineage_report.load(tmp_path)
    kinds = sorted(p.kind for p in lineage.problems)
    assert kinds == ["mlflow.unsupported"] * 3  # two runs' artifacts/, the registered model
    model = lineage.graph.nodes["artifact:model:v1"]
    assert model["metadata"]["flavors"] == ["python_function", "sklearn"]
    assert model["metadata"]["artifact_location"].startswith("mlflow-artifacts:/1/models/m-")


def test_a_store_has_a_size_limit_of_its_own(tmp_path):
    # Every metric value logged is a row: a store of a few months' runs is hundreds of MB,
    # and was refused by the 50 MB limit of a manifest (here 0.1 MB against 0.25 MB).
    shutil.copy(SQLITE / "mlflow.db", tmp_path / "mlflow.db")
    (tmp_path / "lineage-report.toml").write_text("max_manifest_mb = 0.1\n")
    lineage = lineage_report.load(tmp_path)
    assert len([n for n in lineage.graph if n.startswith("run:")]) == 6
    (tmp_path / "lineage-report.toml").write_text("max_mlflow_db_mb = 0.1\n")
    lineage = lineage_report.load(tmp_path)
    assert [(p.path, p.message, p.kind) for p in lineage.problems] == [
        (
            "mlflow.db",
            "file is 0.3 MB, over the 0.1 MB limit (max_mlflow_db_mb in lineage-report.toml)",
            "manifest.too-large",
        )
    ]


def test_a_write_under_way_is_said(tmp_path):
    # SQLite's hot journal: the store's pages may hold half a transaction, which a reader
    # of the file alone cannot roll back; a truncated store beside one said only "malformed".
    raw = (SQLITE / "mlflow.db").read_bytes()
    files = FilesInMemory({"mlflow.db-journal": b"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7" * 64})
    message = (
        "mlflow.db-journal: MLflow was writing to the store as it was read; "
        "build again once it is done"
    )
    for store in (raw, raw[: len(raw) // 3]):
        _, problems = read_mlflow_sqlite("mlflow.db", store, files)
        assert [(p.message, p.kind) for p in problems if p.location == ""][-1] == (
            message,
            "mlflow.write-in-progress",
        )


def test_files_in_memory_list_one_folder_by_slice():
    # The SQLite reader lists each run's folder among a whole store's files: a scan of all
    # of them per run made 3,000 runs take 17 s (now one sorted slice: 2.6 s).
    files = FilesInMemory({p: b"" for p in ("a-b/x", "a/z", "ab/y", "a/b/c", "b", "a")})
    assert files.list("a") == ["a/b/c", "a/z"]
    assert files.list("a/") == ["a/b/c", "a/z"]
    assert files.list("") == ["a", "a-b/x", "a/b/c", "a/z", "ab/y", "b"]
    assert files.list("c") == []


def test_a_value_that_is_not_utf8_costs_only_itself(tmp_path):
    # sqlite3 decodes text strictly: one such value made the whole store "not a readable
    # SQLite database (Could not decode to UTF-8 column 'value' ...)".
    copy = store_copy(tmp_path)
    with sqlite3.connect(copy) as db:
        (run_id,) = db.execute("SELECT run_uuid FROM runs WHERE name = 'prepare'").fetchone()
        db.execute("UPDATE params SET value = CAST(X'41FF42' AS TEXT) WHERE key = 'seed'")
        db.execute("UPDATE runs SET user_id = CAST(X'75FF' AS TEXT) WHERE run_uuid = ?", (run_id,))
        db.execute("UPDATE params SET key = CAST(X'4BFF' AS TEXT) WHERE key = 'kind'")
    docs, problems = read_mlflow_sqlite("mlflow.db", copy.read_bytes(), FilesInMemory({}))
    assert len(docs) == 6
    found = sorted((p.location, p.message) for p in problems if p.kind == "mlflow.invalid-value")
    (sweep,) = [d.data["run"]["id"] for d in docs if d.data["run"]["name"] == "sweep"]
    message = "not UTF-8 text; read with its bad bytes replaced"
    assert found == sorted(
        [
            (f"runs/{run_id}/params/seed", message),
            (f"runs/{run_id}: /user_id", message),
            (f"runs/{sweep}/params/K\ufffd", message),
        ]
    )
    [prepare] = [d.data["run"] for d in docs if d.data["run"]["id"] == run_id]
    assert prepare["config"]["seed"] == "A\ufffdB"


def test_an_mlflow_2_store_reads_as_the_mlflow_3_one(tmp_path):
    # MLflow 2.22's schema, as MLflow wrote it: `inputs` without `step` (which cost the whole
    # store before the reader read missing columns as NULL), models in the history tag.
    shutil.copy(DATA / "mlflow2_sqlite" / "mlflow.db", tmp_path / "mlflow.db")
    shutil.copytree(DATA / "mlflow2_sqlite" / "mlruns", tmp_path / "mlruns")
    lineage = lineage_report.load(tmp_path)
    (tmp_path / "three").mkdir()
    shutil.copy(SQLITE / "mlflow.db", tmp_path / "three" / "mlflow.db")
    three = lineage_report.load(tmp_path / "three")

    def runs(lineage):
        shown = seen(lineage)
        return {k: v | {"logged": None} for k, v in shown.items() if k.startswith("run ")}

    two, expected = runs(lineage), runs(three)
    # The MLflow 2 script logs no table (mlflow.loggedArtifacts) and reads no logged model.
    del expected["run evaluate"]["config"]["mlflow.loggedArtifacts"]
    assert expected["run evaluate"]["used"].pop() == "model:v1"
    assert two == expected
    models = [lineage.graph.nodes[n] for n in ("artifact:model:v0", "artifact:model:v1")]
    assert [m["metadata"]["flavors"].keys() >= {"sklearn"} for m in models] == [True, True]
    assert sorted(p.kind for p in lineage.problems) == ["mlflow.unsupported"] * 4


def test_damaged_stores_cost_a_problem_never_a_traceback():
    # Bytes flipped at random: a damaged schema raised UnicodeDecodeError out of the reader
    # (SQLite's message quotes the schema, which Python decodes strictly).
    raw = (SQLITE / "mlflow.db").read_bytes()
    chance = random.Random(1)
    for _ in range(120):
        damaged = bytearray(raw)
        for _ in range(chance.randint(1, 20)):
            damaged[chance.randrange(len(damaged))] = chance.randrange(256)
        docs, problems = read_mlflow_sqlite("mlflow.db", bytes(damaged), FilesInMemory({}))
        assert docs or [p.kind for p in problems] == ["mlflow.invalid-store"]
