"""W&B local run folders: files/ and the .wandb log of each run, read without W&B's package."""

from __future__ import annotations

import shutil
from pathlib import Path

import lineage_report
from lineage_report.build import build
from lineage_report.config import load_config
from lineage_report.readers import FilesInMemory, detect_format, read_wandb_run, wandb_run_folder
from tests.linkcheck import check_site

DATA = Path(__file__).parent / "data" / "wandb_local"
TRAIN = "wandb/run-20261204_184233-vdyij0ok"
EVALUATE = "wandb/run-20261204_184240-uaxha671"


def folder_files() -> FilesInMemory:
    """Return every file of the fixture, by path relative to it."""
    paths = [p for p in DATA.rglob("*") if p.is_file() and p.name != "SOURCE.md"]
    return FilesInMemory({p.relative_to(DATA).as_posix(): p.read_bytes() for p in paths})


def read(folder: str, files: FilesInMemory | None = None) -> tuple[dict, list]:
    """Read one run folder; return its document and the problems."""
    [doc], problems = read_wandb_run(folder, files or folder_files())
    return doc.data, problems


def test_a_run_folder_gives_the_run_with_config_summary_and_state():
    data, problems = read(TRAIN)
    assert problems == []
    run = data["run"]
    assert (run["id"], run["name"], run["job_type"], run["project"]) == (
        "vdyij0ok",
        "bright-sun-12",
        "train",
        "mnist",
    )
    assert run["state"] == "finished"
    assert run["started_at"] == "2026-12-04T18:42:33.864171Z"
    assert run["finished_at"] == run["started_at"]  # a run of less than a second
    assert {k: run["config"][k] for k in ("lr", "epochs", "optim")} == {
        "lr": 0.01,
        "epochs": 3,
        "optim": {"name": "adam"},
    }
    assert run["config"]["wandb.metadata"]["codePath"] == "gen.py"
    assert "_wandb" not in run["config"] and "_wandb" not in run["summary"]
    assert (run["summary"]["loss"], run["summary"]["accuracy"]) == (0.3, 0.97)
    assert (run["tags"], run["notes"], run["host"], run["user"]) == (
        ["baseline"],
        "first try",
        "vm",
        "root",
    )


def test_used_and_logged_artifacts_come_from_the_log():
    train, _ = read(TRAIN)
    evaluate, _ = read(EVALUATE)
    assert train["used_artifacts"] == [{"name": "mnist-clean", "version": "v2", "type": "dataset"}]
    [model] = train["logged_artifacts"]
    assert (model["name"], model["type"], model["aliases"]) == ("mnist-cnn", "model", ["best"])
    assert model["digest"] == "0ffed9899ff25b7e8e0f50916e6a0d8f"
    assert model["metadata"] == {"arch": "cnn"}
    assert model["files"] == [
        {"path": "model.pt", "digest": "md5:63f4f1e9b725370f459720575cd5f953", "size": 7}
    ]
    assert evaluate["used_artifacts"] == [{"name": "mnist-cnn", "version": "v0", "type": "model"}]


def test_a_damaged_record_costs_only_itself():
    files = folder_files()
    log = f"{TRAIN}/run-vdyij0ok.wandb"
    raw = bytearray(files.read(log))
    # The third record (use_artifact) starts after the header and two records.
    position = 7
    for _ in range(2):
        position += 7 + int.from_bytes(raw[position + 4 : position + 6], "little")
    raw[position + 7 + 2] ^= 0xFF  # a byte of its payload: the checksum no longer matches
    files.files[log] = bytes(raw)
    data, problems = read(TRAIN, files)
    assert [str(p) for p in problems] == [
        f"{log}: record 3: damaged record; left out [wandb.invalid-log]"
    ]
    assert data["used_artifacts"] == [] and data["logged_artifacts"][0]["name"] == "mnist-cnn"


def test_without_a_log_the_files_still_give_the_run():
    files = folder_files()
    del files.files[f"{TRAIN}/run-vdyij0ok.wandb"]
    [doc], problems = read_wandb_run(TRAIN, files)
    assert problems == [] and doc.path == f"{TRAIN}/files/wandb-metadata.json"
    run = doc.data["run"]
    assert (run["id"], run["state"], run["config"]["lr"]) == ("vdyij0ok", "running", 0.01)


def test_a_file_that_is_not_a_log_is_reported():
    files = folder_files()
    files.files[f"{TRAIN}/run-vdyij0ok.wandb"] = b"hello"
    data, problems = read(TRAIN, files)
    assert [p.kind for p in problems] == ["wandb.invalid-log"]
    assert data["run"]["config"]["lr"] == 0.01


def test_the_files_of_a_run_folder_are_detected():
    for name in ("files/wandb-metadata.json", "files/wandb-summary.json", "run-vdyij0ok.wandb"):
        assert wandb_run_folder(f"{TRAIN}/{name}") == TRAIN
        assert detect_format(f"{TRAIN}/{name}", b"{}") == "wandb"
    assert wandb_run_folder(f"{TRAIN}/files/output.log") is None
    assert wandb_run_folder("wandb/run-x/files/wandb-metadata.json") is None


def test_a_wandb_folder_builds_a_site_with_no_config(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(DATA / "wandb", project / "wandb")
    lineage = lineage_report.load(project)
    runs = {run.name: run for run in lineage.runs()}
    assert set(runs) == {"bright-sun-12", "calm-lake-13"}
    assert [p for p in lineage.problems if p.severity == "error"] == []
    assert f"{TRAIN}/run-vdyij0ok.wandb" in lineage.inputs  # read through the folder
    assert [a.name for a in runs["bright-sun-12"].logged_artifacts()] == ["mnist-cnn"]
    out = tmp_path / "site"
    build(load_config(project), out)
    assert check_site(out) == []
