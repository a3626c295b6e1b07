"""Tests for the offline SDK: manifests, digests, states, atomic writes, resolution, processes."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from lineage_report import sdk

ROOT = Path(__file__).resolve().parents[1]


def sha256_file(path: Path) -> str:
    """Hash a file with hashlib directly, independently of the code under test."""
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def sha256_lines(pairs: list[tuple[str, str]]) -> str:
    """Compute an artifact digest by hand: sorted `path:digest` lines joined by newlines."""
    text = "\n".join(sorted(f"{p}:{d}" for p, d in pairs))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def strict_json(path: Path) -> dict:
    """Parse a manifest as strict JSON (no NaN or Infinity)."""

    def refuse(name: str) -> None:
        raise ValueError(f"non-standard JSON constant {name}")

    return json.loads(path.read_text("utf-8"), parse_constant=refuse)


def run_python(code: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run Python code in a separate process that imports this checkout."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if check and done.returncode != 0:
        raise AssertionError(f"child failed ({done.returncode}):\n{done.stderr}")
    return done


def leftovers(folder: Path) -> list[str]:
    """Return the temp files left in a folder."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.fixture
def files(tmp_path: Path) -> Path:
    """Make a small tree of data files."""
    data = tmp_path / "data"
    (data / "sub").mkdir(parents=True)
    (data / "train.csv").write_text("a,b\n1,2\n")
    (data / "sub" / "val.csv").write_bytes(b"\x00\x01binary" * 1000)
    (tmp_path / "model.pt").write_bytes(os.urandom(3 * 1024 * 1024 + 7))  # spans chunks
    return tmp_path


# --- manifest content and digests --------------------------------------------------------------


def test_manifest_records_run_files_and_digests(files: Path) -> None:
    out = files / "lineage"
    with sdk.init(
        project="mnist",
        job_type="train",
        name="bright-sun-1",
        config={"lr": 0.1, "layers": [1, 2]},
        dir=out,
        tags=["baseline"],
        notes="**first** try",
    ) as run:
        art = sdk.Artifact("cnn", type="model", description="A *CNN*", metadata={"acc": 0.9})
        art.add_file(files / "model.pt")
        art.add_dir(files / "data", name="data")
        art.add_reference("s3://bucket/key", digest="etag-1", size=10)
        art.add_reference("https://example.org/x.bin")
        run.log_artifact(art, aliases=["best", "latest", "best"])
        run.log({"loss": 0.5})
        run.log({"loss": 0.25})
    doc = strict_json(out / f"{run.id}.json")

    assert doc["manifest_version"] == 1
    meta = doc["run"]
    assert (meta["id"], meta["name"], meta["job_type"], meta["project"]) == (
        run.id,
        "bright-sun-1",
        "train",
        "mnist",
    )
    assert meta["state"] == "finished"
    assert meta["config"] == {"lr": 0.1, "layers": [1, 2]}
    assert meta["summary"] == {"loss": 0.25}
    assert (meta["tags"], meta["notes"]) == (["baseline"], "**first** try")
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z"
    assert re.fullmatch(stamp, meta["started_at"]) and re.fullmatch(stamp, meta["finished_at"])
    assert meta["started_at"] <= meta["finished_at"]
    assert meta["host"] and "user" in meta
    assert doc["used_artifacts"] == []

    (logged,) = doc["logged_artifacts"]
    expected_files = {
        "model.pt": files / "model.pt",
        "data/train.csv": files / "data" / "train.csv",
        "data/sub/val.csv": files / "data" / "sub" / "val.csv",
    }
    assert [f["path"] for f in logged["files"]] == sorted(expected_files)
    for entry in logged["files"]:
        source = expected_files[entry["path"]]
        assert entry["digest"] == sha256_file(source)
        assert entry["size"] == source.stat().st_size
    assert logged["references"] == [
        {"uri": "https://example.org/x.bin"},
        {"uri": "s3://bucket/key", "digest": "etag-1", "size": 10},
    ]
    pairs = [(f["path"], f["digest"]) for f in logged["files"]]
    pairs += [("s3://bucket/key", "etag-1"), ("https://example.org/x.bin", "")]
    assert logged["digest"] == sha256_lines(pairs) == art.digest
    assert logged["aliases"] == ["best"]  # latest is implied, duplicates dropped
    assert (logged["name"], logged["type"], logged["description"]) == ("cnn", "model", "A *CNN*")
    assert logged["metadata"] == {"acc": 0.9}
    assert meta["started_at"] <= logged["created_at"] <= meta["finished_at"]


def test_digest_matches_collector_helper_and_ignores_order(files: Path) -> None:
    from lineage_report.digest import artifact_digest

    one, two = sdk.Artifact("d", "dataset"), sdk.Artifact("d", "dataset")
    one.add_file(files / "model.pt")
    one.add_file(files / "data" / "train.csv")
    two.add_file(files / "data" / "train.csv")
    two.add_file(files / "model.pt")
    assert one.digest == two.digest
    assert one.digest == artifact_digest([(f.path, f.digest) for f in one.files])
    empty = sdk.Artifact("e", "dataset")
    assert empty.digest == "sha256:" + hashlib.sha256(b"").hexdigest()


def test_local_file_reference_is_hashed(files: Path) -> None:
    art = sdk.Artifact("ref", "dataset")
    ref = art.add_reference((files / "model.pt").as_uri(), name="weights")
    assert ref.digest == sha256_file(files / "model.pt")
    assert ref.size == (files / "model.pt").stat().st_size


def test_artifact_misuse_is_refused(files: Path) -> None:
    art = sdk.Artifact("cnn", "model")
    art.add_file(files / "model.pt")
    with pytest.raises(sdk.SDKError, match="already has a file 'model.pt'"):
        art.add_file(files / "model.pt")
    with pytest.raises(sdk.SDKError, match="cannot add"):
        art.add_file(files / "missing.bin")
    with pytest.raises(sdk.SDKError, match="relative path"):
        art.add_file(files / "model.pt", name="../escape")
    with pytest.raises(sdk.SDKError, match="not a folder"):
        art.add_dir(files / "model.pt")
    for bad in ("", "a:b", "a/b", "-x", 3):
        with pytest.raises(sdk.SDKError):
            sdk.Artifact(bad, "model")  # type: ignore[arg-type]
    with sdk.init(dir=files / "lineage") as run:
        run.log_artifact(art)
        with pytest.raises(sdk.SDKError, match="looks like a version"):
            run.log_artifact(sdk.Artifact("x", "model"), aliases=["v3"])
    with pytest.raises(sdk.SDKError, match="can no longer change"):
        art.add_file(files / "data" / "train.csv")


# --- states ----------------------------------------------------------------------------------


def test_exception_marks_run_failed_and_propagates(tmp_path: Path) -> None:
    with pytest.raises(ZeroDivisionError), sdk.init(dir=tmp_path) as run:
        run.log_artifact(sdk.Artifact("empty", "dataset"))
        1 / 0  # noqa: B018
    doc = strict_json(run.path)
    assert doc["run"]["state"] == "failed"
    assert "finished_at" in doc["run"]
    assert len(doc["logged_artifacts"]) == 1


def test_finish_outside_with(tmp_path: Path) -> None:
    run = sdk.init(project="p", dir=tmp_path, id="manual-1")
    assert run.path == tmp_path / "manual-1.json"
    assert strict_json(run.path)["run"]["state"] == "running"
    assert "finished_at" not in strict_json(run.path)["run"]
    run.use_artifact("raw:v0")
    assert strict_json(run.path)["run"]["state"] == "running"
    assert strict_json(run.path)["used_artifacts"] == ["raw:v0"]
    run.finish()
    run.finish("failed")  # a second finish changes nothing
    assert strict_json(run.path)["run"]["state"] == "finished"
    with pytest.raises(sdk.SDKError, match="has ended"):
        run.use_artifact("raw:v0")
    with pytest.raises(sdk.SDKError, match="state must be"):
        sdk.init(dir=tmp_path).finish("exploded")


def test_finish_with_explicit_state(tmp_path: Path) -> None:
    run = sdk.init(dir=tmp_path)
    run.finish("crashed")
    assert strict_json(run.path)["run"]["state"] == "crashed"


def test_forgotten_finish_is_done_at_exit(tmp_path: Path) -> None:
    run_python("import lineage_report.sdk as lr; lr.init(dir='out', id='calm')", tmp_path)
    code = "import lineage_report.sdk as lr; run = lr.init(dir='out', id='boom'); 1/0"
    assert run_python(code, tmp_path, check=False).returncode == 1
    assert strict_json(tmp_path / "out" / "calm.json")["run"]["state"] == "finished"
    assert strict_json(tmp_path / "out" / "boom.json")["run"]["state"] == "failed"


# --- ids, config, machine ----------------------------------------------------------------------


def test_run_ids(tmp_path: Path) -> None:
    ids = {sdk.init(dir=tmp_path).id for _ in range(20)}
    assert len(ids) == 20
    assert all(re.fullmatch(r"[0-9a-z]{8}", i) for i in ids)
    assert sdk.init(dir=tmp_path, id="my-run_1").id == "my-run_1"
    for bad in ("../evil", "a/b", ".hidden", "", "x" * 200):
        with pytest.raises(sdk.SDKError, match="run id"):
            sdk.init(dir=tmp_path, id=bad)
    assert not list(tmp_path.parent.glob("evil*"))


def test_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("")
    with pytest.raises(sdk.SDKError, match="manifest folder"):
        sdk.init(dir=tmp_path / "taken")


def test_config_is_written_as_strict_json(tmp_path: Path) -> None:
    loop: dict = {}
    loop["self"] = loop
    config = {
        "nan": float("nan"),
        "inf": float("-inf"),
        "path": Path("a/b"),
        "set": {3, 1},
        1: "int key",
        "loop": loop,
        "bad": "\udcff",
    }
    with sdk.init(dir=tmp_path, config=config) as run:
        pass
    written = strict_json(run.path)["run"]["config"]
    assert written["nan"] == "nan" and written["inf"] == "-inf"
    assert written["path"] == "a/b" and written["set"] == [1, 3] and written["1"] == "int key"
    assert written["bad"] == "\ufffd"


def test_git_state_is_captured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    repo.mkdir()

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
        return done.stdout.strip()

    git("init", "-q")
    git("remote", "add", "origin", "https://user:s3cret@example.com/org/repo.git")
    (repo / "train.py").write_text("print(1)\n")
    git("add", "train.py")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "init")
    monkeypatch.chdir(repo)
    with sdk.init(dir=tmp_path / "out") as clean:
        pass
    (repo / "train.py").write_text("print(2)\n")
    with sdk.init(dir=tmp_path / "out") as dirty:
        pass
    state = strict_json(clean.path)["run"]["git"]
    assert state == {
        "remote": "https://example.com/org/repo.git",  # credentials are not recorded
        "commit": git("rev-parse", "HEAD"),
        "dirty": False,
    }
    assert strict_json(dirty.path)["run"]["git"]["dirty"] is True


def test_no_git_no_repository_no_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    with sdk.init(dir="out") as outside:
        pass
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin-here"))
    with sdk.init(dir="out") as without:
        pass
    assert "git" not in strict_json(outside.path)["run"]
    assert "git" not in strict_json(without.path)["run"]
    assert outside.dir == tmp_path / "out"


def test_remote_credentials_stripped() -> None:
    assert sdk.strip_credentials("https://tok@github.com/a/b") == "https://github.com/a/b"
    assert sdk.strip_credentials("ssh://git:pw@host/a") == "ssh://git@host/a"
    assert sdk.strip_credentials("git@github.com:a/b.git") == "git@github.com:a/b.git"


# --- atomic writes --------------------------------------------------------------------------------


def test_manifest_always_parses_while_rewritten(tmp_path: Path) -> None:
    run = sdk.init(dir=tmp_path, config={"blob": "x" * 200_000})
    stop, bad, reads = threading.Event(), [], [0]

    def reader() -> None:
        while not stop.is_set():
            try:
                json.loads(run.path.read_bytes())
                reads[0] += 1
            except ValueError as exc:
                bad.append(exc)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for i in range(150):
            run.use_artifact(f"input-{i}:v0")
    finally:
        stop.set()
        thread.join()
    run.finish()
    assert bad == [] and reads[0] > 0
    assert leftovers(tmp_path) == []
    assert len(strict_json(run.path)["used_artifacts"]) == 150


def test_failed_write_keeps_previous_manifest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = sdk.init(dir=tmp_path, id="keep")

    def broken(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sdk.os, "replace", broken)
    with pytest.raises(OSError, match="No space"):
        run.use_artifact("raw:v0")
    monkeypatch.undo()
    assert leftovers(tmp_path) == []
    assert strict_json(run.path)["used_artifacts"] == []  # the last good version is intact
    run.finish()
    assert strict_json(run.path)["used_artifacts"] == ["raw:v0"]


# --- resolution against the folder ----------------------------------------------------------------


def log_dataset(folder: Path, data: Path, content: str, aliases: list[str] | None = None) -> str:
    """Log one version of `raw` holding `content`, in its own run; return the run id."""
    (data / "raw.txt").write_text(content)
    with sdk.init(dir=folder, job_type="upload") as run:
        art = sdk.Artifact("raw", "dataset")
        art.add_file(data / "raw.txt")
        run.log_artifact(art, aliases=aliases)
    return run.id


def test_use_artifact_resolves_versions_aliases_and_latest(tmp_path: Path) -> None:
    folder, data = tmp_path / "lineage", tmp_path
    log_dataset(folder, data, "one", ["best"])
    log_dataset(folder, data, "one", ["prod"])  # same digest: no new version, alias moves to v0
    log_dataset(folder, data, "two", ["best"])  # v1 takes `best`
    d0 = "sha256:" + hashlib.sha256(b"raw.txt:" + sha256_file_text("one").encode()).hexdigest()
    with sdk.init(dir=folder, job_type="train") as run:
        latest = run.use_artifact("raw:latest")
        bare = run.use_artifact("raw")
        v0 = run.use_artifact("raw:v0", type="dataset")
        best, prod = run.use_artifact("raw:best"), run.use_artifact("raw:prod")
        missing = run.use_artifact("raw:v7")
        external = run.use_artifact("imagenet")
        with pytest.raises(sdk.SDKError, match="is a 'dataset', not a 'model'"):
            run.use_artifact("raw:v0", type="model")
    assert (latest.version, bare.version, v0.version, best.version, prod.version) == (1, 1, 0, 1, 0)
    assert v0.digest == d0 and v0.type == "dataset" and v0.aliases == ("prod",)
    assert latest.aliases == ("best", "latest") and latest.label == "raw:v1"
    assert not missing.resolved and not external.resolved
    assert strict_json(run.path)["used_artifacts"] == [
        {"name": "raw", "digest": latest.digest, "version": 1, "type": "dataset"},
        {"name": "raw", "digest": d0, "version": 0, "type": "dataset"},
        "raw:v7",
        "imagenet:latest",
    ]


def test_an_alias_names_what_held_it_when_the_run_started(tmp_path: Path) -> None:
    """An alias resolves as the graph resolves it: to the version that held it when the run
    started. The SDK used to take whichever holds it at the call, which a concurrent run
    may have moved since; the graph would then name another version than the manifest."""
    folder, data = tmp_path / "lineage", tmp_path
    log_dataset(folder, data, "one", ["best"])  # v0 is `best`
    with sdk.init(dir=folder, job_type="train", id="reader") as run:
        log_dataset(folder, data, "two", ["best"])  # meanwhile another run gives `best` to v1
        best = run.use_artifact("raw:best")
        newest = run.use_artifact("raw:latest")
    assert (best.version, best.aliases) == (0, ("best",))
    assert (newest.version, newest.aliases) == (1, ("latest",))  # latest: the newest at the call

    import lineage_report

    # The graph, given the same reference as text, resolves it to the same version, though
    # `best` is v1's now (the version the SDK used to pick).
    doc = strict_json(run.path)
    doc["used_artifacts"] = ["raw:best"]
    run.path.write_text(json.dumps(doc))
    lineage = lineage_report.load(folder)
    assert lineage.artifact("raw:best").version == 1
    assert [a.version for a in lineage.run("reader").used_artifacts()] == [best.version]


def sha256_file_text(text: str) -> str:
    """Return the file digest of a text file holding `text`."""
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def test_use_artifact_object_and_own_loggings(tmp_path: Path) -> None:
    with sdk.init(dir=tmp_path) as run:
        art = sdk.Artifact("feat", "dataset")
        art.add_reference("s3://b/features.parquet", digest="etag-9")
        unlogged = run.use_artifact(art)
        run.log_artifact(art)
        own = run.use_artifact("feat:latest")
    assert (unlogged.version, unlogged.digest, unlogged.type) == (None, art.digest, "dataset")
    assert (own.version, own.digest) == (0, art.digest)
    assert strict_json(run.path)["used_artifacts"][0] == {
        "name": "feat",
        "digest": art.digest,
        "type": "dataset",
    }


def manifest(run_id: str, *logged: dict, **run: object) -> dict:
    """Build a hand-written manifest."""
    return {"manifest_version": 1, "run": {"id": run_id, **run}, "logged_artifacts": list(logged)}


def test_versions_follow_time_not_file_order(tmp_path: Path) -> None:
    late = {
        "name": "m",
        "type": "model",
        "digest": "sha256:late",
        "created_at": "2026-01-02T00:00:00Z",
    }
    early = {"name": "m", "type": "model", "digest": "sha256:early"}
    first = {
        "name": "m",
        "type": "model",
        "digest": "sha256:first",
        "created_at": "2025-12-31T23:00:00.5+00:00",
    }
    (tmp_path / "a.json").write_text(json.dumps(manifest("zzz", late)))
    (tmp_path / "b.json").write_text(
        json.dumps(manifest("aaa", early, finished_at="2026-01-01T00:00:00Z"))
    )
    (tmp_path / "c.json").write_text(json.dumps(manifest("mmm", first)))
    with sdk.init(dir=tmp_path) as run:
        found = [run.use_artifact(f"m:v{i}").digest for i in range(3)]
    assert found == ["sha256:first", "sha256:early", "sha256:late"]


def test_bad_manifests_in_folder_are_skipped(tmp_path: Path) -> None:
    good = {"name": "ok", "type": "dataset", "digest": "sha256:good"}
    no_digest = {"name": "ok", "type": "dataset", "files": [{"path": "x"}]}
    computed = {"name": "calc", "type": "dataset", "files": [{"path": "x", "digest": "sha256:1"}]}
    (tmp_path / "good.json").write_text(json.dumps(manifest("g", good, no_digest, computed, 3)))
    (tmp_path / "half.json").write_text('{"manifest_version": 1, "run": {"id": "h", ')
    (tmp_path / "list.json").write_text("[]")
    (tmp_path / "v2.json").write_text(json.dumps({**manifest("v", good), "manifest_version": 2}))
    (tmp_path / "bool.json").write_text(
        json.dumps({**manifest("b", good), "manifest_version": True})
    )
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (tmp_path / "binary.json").write_bytes(os.urandom(512))
    (tmp_path / "noid.json").write_text(json.dumps({"manifest_version": 1, "run": {}}))
    (tmp_path / "odd.json").write_text(
        json.dumps(manifest("o", {"name": "ok", "digest": "sha256:odd", "aliases": 5}))
    )
    (tmp_path / "folder.json").mkdir()
    with sdk.init(dir=tmp_path) as run:
        ok = run.use_artifact("ok:latest")
        calc = run.use_artifact("calc")
    assert (ok.version, ok.digest) == (1, "sha256:odd")
    assert calc.digest == sha256_lines([("x", "sha256:1")])


# --- several processes ----------------------------------------------------------------------------

PREP = """
    from lineage_report import sdk as lr
    from pathlib import Path
    Path("raw.csv").write_text("x,y\\n1,2\\n")
    with lr.init(project="demo", job_type="prep", dir="lineage", id="prep1") as run:
        art = lr.Artifact("raw", type="dataset", description="Raw *data*")
        art.add_file("raw.csv")
        run.log_artifact(art)
"""
TRAIN = """
    from lineage_report import sdk as lr
    from pathlib import Path
    with lr.init(project="demo", job_type="train", dir="lineage", id="train1") as run:
        used = run.use_artifact("raw:latest")
        assert used.version == 0, used
        Path("model.pt").write_bytes(b"weights" * 1000)
        art = lr.Artifact("model", type="model")
        art.add_file("model.pt")
        run.log_artifact(art, aliases=["best"])
"""
EVAL = """
    from lineage_report import sdk as lr
    with lr.init(project="demo", job_type="eval", dir="lineage", id="eval1") as run:
        assert run.use_artifact("model:best").version == 0
        assert run.use_artifact("raw:v0").version == 0
"""


@pytest.fixture(scope="module")
def three_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run prep, train and eval in three separate processes; return their working folder."""
    work = tmp_path_factory.mktemp("roundtrip")
    for code in (PREP, TRAIN, EVAL):
        run_python(code, work)
    return work


def expected_digests(work: Path) -> dict[str, str]:
    """Return the digests of raw:v0 and model:v0, computed by hand from the files."""
    return {
        "raw": sha256_lines([("raw.csv", sha256_file(work / "raw.csv"))]),
        "model": sha256_lines([("model.pt", sha256_file(work / "model.pt"))]),
    }


def test_round_trip_across_processes(three_runs: Path) -> None:
    folder, digests = three_runs / "lineage", expected_digests(three_runs)
    train = strict_json(folder / "train1.json")
    evaluation = strict_json(folder / "eval1.json")
    assert train["used_artifacts"] == [
        {"name": "raw", "digest": digests["raw"], "version": 0, "type": "dataset"}
    ]
    assert train["logged_artifacts"][0]["digest"] == digests["model"]
    assert [u["digest"] for u in evaluation["used_artifacts"]] == [digests["model"], digests["raw"]]
    assert sorted(p.name for p in folder.iterdir()) == ["eval1.json", "prep1.json", "train1.json"]

    import lineage_report

    if not hasattr(lineage_report, "load"):
        pytest.skip("lineage_report.load (the core's graph API, issue 2) does not exist yet")
    lineage = lineage_report.load(folder)
    assert [str(p) for p in lineage.problems] == []
    raw = lineage.artifact("raw:v0")
    assert raw.logged_by().run_id == "prep1"
    assert sorted(r.run_id for r in raw.used_by()) == ["eval1", "train1"]
    assert raw.digest == digests["raw"] and raw.type == "dataset"
    model = lineage.artifact("model:v0")
    assert model.logged_by().run_id == "train1"
    assert [r.run_id for r in model.used_by()] == ["eval1"]
    assert model.digest == digests["model"] and "best" in model.aliases
    assert [f["digest"] for f in model.files] == [sha256_file(three_runs / "model.pt")]
    assert lineage.run("eval1").state == "finished"


def test_round_trip_site_shows_graph_and_digests(three_runs: Path) -> None:
    try:
        from lineage_report.build import build
        from lineage_report.config import load_config
    except ImportError as exc:
        pytest.skip(f"the site build (issue 2) is not importable yet: {exc}")
    site, digests = three_runs / "site", expected_digests(three_runs)
    build(load_config(three_runs / "lineage"), site)
    graph = json.loads((site / "lineage.json").read_text("utf-8"))
    edges = {(e["source"], e["target"]) for e in graph["edges"]}
    assert edges == {
        ("run:prep1", "artifact:raw:v0"),
        ("artifact:raw:v0", "run:train1"),
        ("artifact:raw:v0", "run:eval1"),
        ("run:train1", "artifact:model:v0"),
        ("artifact:model:v0", "run:eval1"),
    }
    nodes = {n["id"]: n for n in graph["nodes"]}
    assert nodes["artifact:raw:v0"]["digest"] == digests["raw"]
    assert nodes["artifact:model:v0"]["digest"] == digests["model"]
    pages = {p: p.read_text("utf-8") for p in site.rglob("*.html")}
    (raw_page,) = [t for t in pages.values() if 'data-artifact="raw:v0"' in t]
    assert digests["raw"] in raw_page
    assert any('data-run="train1"' in t for t in pages.values())


WRITER = """
    import sys, time
    from pathlib import Path
    from lineage_report import sdk as lr
    n = int(sys.argv[1])
    while not Path("go").exists():
        time.sleep(0.005)
    Path(f"w{n}.bin").write_bytes(bytes([n]) * 5000)
    with lr.init(job_type="worker", dir="lineage", id=f"worker{n}", config={"n": n}) as run:
        for i in range(15):
            run.use_artifact(f"input{i}:v0")
        art = lr.Artifact("shared", type="dataset")
        art.add_file(f"w{n}.bin", name="w.bin")
        run.log_artifact(art)
        run.use_artifact("shared:latest")
"""


def test_several_processes_write_one_folder(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    code = textwrap.dedent(WRITER)
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(n)], cwd=tmp_path, env=env, stderr=subprocess.PIPE
        )
        for n in range(6)
    ]
    folder = tmp_path / "lineage"
    folder.mkdir()
    time.sleep(0.3)
    (tmp_path / "go").touch()
    bad, reads = [], 0
    while any(w.poll() is None for w in workers):
        for path in folder.glob("*.json"):
            try:
                json.loads(path.read_bytes())
                reads += 1
            except FileNotFoundError:
                pass
            except ValueError as exc:
                bad.append((path.name, exc))
    errors = [w.stderr.read().decode() for w in workers if w.wait() != 0]
    assert errors == []
    assert bad == [] and reads > 0
    assert leftovers(folder) == []
    docs = [strict_json(folder / f"worker{n}.json") for n in range(6)]
    assert all(d["run"]["state"] == "finished" for d in docs)
    assert all(len(d["used_artifacts"]) == 16 for d in docs)
    digests = {d["logged_artifacts"][0]["digest"] for d in docs}
    assert len(digests) == 6
    with sdk.init(dir=folder) as reader:
        versions = {reader.use_artifact(f"shared:v{i}").digest for i in range(6)}
    assert versions == digests
