"""What a snapshot ships of its inputs, and how it reads them: through the real CLI.

Every file the build read is an input, the files an input names beside itself (dbt's
run_results.json, a W&B manifest) included: the inputs digest covers it, `snapshot` ships it
and a reviewer rebuilds the same site from `inputs/` alone. The snapshot copies each input
as the build read it (inside the project, a regular file, within the size limit), so a file
swapped after the build is refused, never followed out of the project or read whole. The
paths `snapshot`, `verify` and `serve` print are escaped like every other line, and a bad
SOURCE_DATE_EPOCH is one error line, not a traceback.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import re
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest

import tests.test_object_storage as storage
from lineage_report.build import build
from lineage_report.config import load_config
from lineage_report.snapshot import make_snapshot, verify
from tests.conftest import ROOT
from tests.factories import art, manifest, write_project
from tests.test_confined_inputs import (
    dbt_manifest,
    limit_memory,
    run_cli,
    run_results,
    wandb_manifest,
)
from tests.test_serve import read_lines
from tests.test_snapshot import printed_digest, rewrite_zip
from tests.test_terminal_output import assert_inert

s3 = storage.s3  # the S3 API server and its bucket, for a project in a bucket
bucket = storage.bucket

NARROW = (
    'title = "Companions"\nmanifests = ["runs/*.json"]\n'
    '[[sources]]\npath = "target/manifest.json"\nformat = "dbt"\n'
)
COMPANIONS = ["runs/art/wandb_manifest.json", "target/run_results.json"]
HOSTILE = "a\x1b[2J\n::add-mask::x"  # a name that would drive a terminal and a CI runner


def companions_project(root: Path, config: str = NARROW) -> Path:
    """Write a project whose inputs name files beside them that no glob of NARROW matches."""
    model = {"name": "model", "type": "model", "files": "art/wandb_manifest.json"}
    files = {
        "runs/up.json": manifest("up", 0, logged=[art("raw")]),
        "runs/w.json": manifest("w", 5, used=["raw:v0"], logged=[model]),
        "runs/art/wandb_manifest.json": wandb_manifest("weights.bin"),
        "target/manifest.json": dbt_manifest(),
        "target/run_results.json": run_results("orders built from the companion"),
    }
    return write_project(root, files, config)


def sha256(path: Path) -> str:
    """Return the hex SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def inputs_field(site: Path) -> str:
    """Return what the site's index page says of its inputs ("5 files")."""
    page = (site / "index.html").read_text(encoding="utf-8")
    match = re.search(r"Inputs<dd[^>]*>([^<]*)", page)  # end tags implied
    assert match, "no Inputs field on the index page"
    return match.group(1)


# ---------------------------------------------------------------- companions are inputs


@pytest.mark.parametrize("config", [NARROW, 'title = "Companions"\n'], ids=["narrow", "all"])
def test_companions_are_inputs_whether_a_glob_matches_them_or_not(
    tmp_path: Path, config: str
) -> None:
    project = companions_project(tmp_path / "project", config)
    result = build(load_config(project), tmp_path / "site")
    assert [str(p) for p in result.problems] == []
    files = [*COMPANIONS, "runs/up.json", "runs/w.json", "target/manifest.json"]
    assert result.lineage.inputs == {rel: sha256(project / rel) for rel in files}
    assert inputs_field(result.output) == "5 files"
    shipped = json.loads((result.output / "lineage.json").read_bytes())
    assert [i["path"] for i in shipped["inputs"]] == sorted(files)
    assert b"orders built from the companion" in (result.output / "lineage.json").read_bytes()
    assert result.lineage.graph.nodes["artifact:model:v0"]["file_count"] == 1


def test_snapshot_ships_the_companions_and_rebuilds_the_same_lineage(tmp_path: Path) -> None:
    project = companions_project(tmp_path / "project")
    out = tmp_path / "audit.zip"
    done = run_cli("snapshot", project, "-o", out)
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(out) as zf:
        inputs = {n.removeprefix("inputs/") for n in zf.namelist() if n.startswith("inputs/")}
        shipped = {rel: zf.read("inputs/" + rel) for rel in COMPANIONS}
        zf.extractall(tmp_path / "unzipped")
    assert inputs == {
        *COMPANIONS,
        "lineage-report.toml",
        "runs/up.json",
        "runs/w.json",
        "target/manifest.json",
    }
    assert shipped == {rel: (project / rel).read_bytes() for rel in COMPANIONS}
    digest = printed_digest(done.stdout)
    checked = run_cli("verify", out, "--digest", digest)
    assert checked.returncode == 0, checked.stdout
    # The reviewer's check: the site again from inputs/ alone, its lineage.json the same.
    unzipped = tmp_path / "unzipped"
    rebuilt = run_cli("build", unzipped / "inputs", "-o", tmp_path / "rebuilt", "-q")
    assert rebuilt.returncode == 0, rebuilt.stderr
    again = (tmp_path / "rebuilt" / "lineage.json").read_bytes()
    assert again == (unzipped / "site" / "lineage.json").read_bytes()
    assert inputs_field(tmp_path / "rebuilt") == inputs_field(unzipped / "site") == "5 files"


def test_verify_names_an_altered_companion(tmp_path: Path) -> None:
    project = companions_project(tmp_path / "project")
    made = make_snapshot(load_config(project), tmp_path / "audit.zip")
    forged = run_results("orders built from a forgery")
    change = {"inputs/target/run_results.json": json.dumps(forged).encode()}
    rewrite_zip(made.path, tmp_path / "forged.zip", change=change)
    outcome = verify(tmp_path / "forged.zip", made.digest)
    assert outcome.problems == ["altered: inputs/target/run_results.json"]


def test_a_snapshot_of_a_bucket_ships_the_companions_read_from_it(s3, bucket, tmp_path) -> None:
    project = companions_project(tmp_path / "project")
    sent = storage.upload(bucket, project, storage.PREFIX)
    _, log = s3
    mark = log.mark()
    made = make_snapshot(load_config(storage.PROJECT), tmp_path / "audit.zip")
    assert log.downloads(mark).count(f"{storage.PREFIX}/target/run_results.json") == 1
    with zipfile.ZipFile(made.path) as zf:
        shipped = {rel: zf.read("inputs/" + rel) for rel in COMPANIONS}
    assert shipped == {rel: sent[rel] for rel in COMPANIONS}
    assert verify(made.path, made.digest).ok


# ---------------------------------------------------------------- read as the build read


# Runs `snapshot` with one file replaced between the build and the packing, as a pipeline
# still writing (or someone racing the snapshot) would: argv is the file, how to replace
# it (link TARGET, fifo, sparse SIZE), then the command line.
SWAP_DRIVER = """
import os, sys
from pathlib import Path
from lineage_report import cli, snapshot

victim, how, target = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
real_build = snapshot.build

def build_then_swap(config, output):
    result = real_build(config, output)
    victim.unlink()
    if how == "link":
        victim.symlink_to(target)
    elif how == "fifo":
        os.mkfifo(victim)
    else:
        with open(victim, "wb") as f:
            f.truncate(int(target))
    return result

snapshot.build = build_then_swap
sys.exit(cli.main(sys.argv[4:]))
"""


def snapshot_with_swap(project: Path, victim: str, how: str, target: object) -> str:
    """Snapshot `project`, replacing `victim` after the build; return the error printed.

    In a subprocess with its memory capped and a timeout: reading a file whole, or waiting
    on a FIFO, fails the test instead of stalling the suite.
    """
    out = project.parent / "audit.zip"
    command = [sys.executable, "-c", SWAP_DRIVER, project / victim, how, target]
    command += ["snapshot", project, "-o", out, "-q"]
    done = subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        timeout=60,
        preexec_fn=limit_memory,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert not out.exists() and not list(project.parent.glob(".audit.zip*"))
    return done.stderr


def test_an_input_swapped_for_a_link_out_is_not_followed(tmp_path: Path) -> None:
    # The same bytes outside: a reader that follows the link finds nothing to object to.
    project = companions_project(tmp_path / "project")
    copy = tmp_path / "home" / "copy.json"
    copy.parent.mkdir()
    copy.write_bytes((project / "target/run_results.json").read_bytes())
    printed = snapshot_with_swap(project, "target/run_results.json", "link", copy)
    assert printed == (
        f"error: target/run_results.json changed during the snapshot: links to {copy}, "
        "outside the project folder; not read; run it again\n"
    )


@pytest.mark.parametrize(
    ("how", "target", "reason"),
    [
        ("link", "/dev/zero", "links to /dev/zero, outside the project folder; not read"),
        ("fifo", "", "not a regular file; skipped"),
        (
            "sparse",
            3_000_000_000,
            "file is 3000.0 MB, over the 50 MB limit (max_manifest_mb in lineage-report.toml)",
        ),
    ],
    ids=["dev-zero", "fifo", "sparse-3GB"],
)
def test_an_input_swapped_after_the_build_is_refused_unread(
    tmp_path: Path, how: str, target: object, reason: str
) -> None:
    project = companions_project(tmp_path / "project")
    printed = snapshot_with_swap(project, "runs/w.json", how, target)
    assert printed == f"error: runs/w.json changed during the snapshot: {reason}; run it again\n"


def test_a_readme_swapped_for_a_link_out_is_not_followed(tmp_path: Path) -> None:
    project = companions_project(tmp_path / "project")
    (project / "README.md").write_text("The notes.\n")
    secret = tmp_path / "home" / "notes.md"
    secret.parent.mkdir()
    secret.write_text("The notes.\n")
    printed = snapshot_with_swap(project, "README.md", "link", secret)
    assert printed == (
        f"error: README.md changed during the snapshot: links to {secret}, outside the "
        "project folder; not read; run it again\n"
    )


# ---------------------------------------------------------------- printed paths are inert


def test_snapshot_and_verify_print_a_hostile_path_escaped(tmp_path: Path) -> None:
    project = companions_project(tmp_path / "project")
    out = tmp_path / (HOSTILE + ".zip")
    done = run_cli("snapshot", project, "-o", out)
    assert done.returncode == 0, done.stderr
    shown = str(tmp_path / "a\\x1b[2J\\n::add-mask::x.zip")
    assert assert_inert(done.stdout.encode())[1].startswith(f"Wrote {shown}: ")
    rewrite_zip(out, tmp_path / (HOSTILE + "2.zip"), add={f"site/{HOSTILE}.html": b"x"})
    failed = run_cli("verify", tmp_path / (HOSTILE + "2.zip"))
    assert failed.returncode == 1
    assert assert_inert(failed.stdout.encode()) == [
        "added: site/a\\x1b[2J\\n::add-mask::x.html",
        "",
    ]
    assert failed.stderr == f"FAILED: 1 problems in {shown[:-4]}2.zip\n"


def test_verify_of_a_single_file_prints_its_hostile_path_escaped(tmp_path: Path) -> None:
    project = companions_project(tmp_path / "project")
    out = tmp_path / (HOSTILE + ".html")
    made = run_cli("snapshot", project, "--single-file", "-o", out)
    assert made.returncode == 0, made.stderr
    shown = str(tmp_path / "a\\x1b[2J\\n::add-mask::x.html")
    assert assert_inert(made.stdout.encode())[1].startswith(f"Wrote {shown}: 1 file, ")
    checked = run_cli("verify", out, "--digest", printed_digest(made.stdout, "file digest"))
    assert checked.returncode == 0
    assert assert_inert(checked.stdout.encode()) == [f"OK: {shown} matches its digest", ""]


def test_serve_prints_a_hostile_site_folder_escaped(tmp_path: Path) -> None:
    project = companions_project(tmp_path / "project")
    command = [sys.executable, "-m", "lineage_report", "serve", str(project), "--port", "0"]
    command += ["-o", str(tmp_path / HOSTILE)]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=read_lines, args=(proc.stdout, lines), daemon=True).start()
    try:
        first = lines.get(timeout=30)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert_inert(first)
    shown = re.escape(str(tmp_path / "a\\x1b[2J\\n::add-mask::x"))
    assert re.fullmatch(rf"Serving http://127\.0\.0\.1:\d+/  \(site in {shown}\)\n", first.decode())


# ---------------------------------------------------------------- SOURCE_DATE_EPOCH


EPOCH_ERROR = (
    "error: SOURCE_DATE_EPOCH '{}': expected whole seconds since 1970-01-01 UTC, from 0 to "
    "253402300799, as `date +%s` prints them; or unset it\n"
)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("9" * 5000, "9" * 40 + "… (5,000 characters)"),
        ("-1700000000", "-1700000000"),
        ("253402300800", "253402300800"),  # a second past 9999-12-31: no datetime holds it
        ("99999999999999999999", "99999999999999999999"),
        ("1.7e9", "1.7e9"),
        ("\u0661\u0667\u0660\u0660", "\u0661\u0667\u0660\u0660"),  # digits, but not ASCII
    ],
    ids=["5000-digits", "negative", "past-9999", "20-digits", "float", "arabic-digits"],
)
def test_a_bad_source_date_epoch_is_one_error_line(tmp_path: Path, value: str, shown: str) -> None:
    project = companions_project(tmp_path / "project")
    done = run_cli("build", project, "-o", tmp_path / "site", env={"SOURCE_DATE_EPOCH": value})
    assert done.returncode == 1
    assert done.stderr == EPOCH_ERROR.format(shown)
    assert not (tmp_path / "site").exists()


def test_snapshot_refuses_a_bad_source_date_epoch_and_writes_no_zip(tmp_path: Path) -> None:
    project = companions_project(tmp_path / "project")
    out = tmp_path / "audit.zip"
    done = run_cli("snapshot", project, "-o", out, env={"SOURCE_DATE_EPOCH": "1e999"})
    assert done.returncode == 1
    assert done.stderr == EPOCH_ERROR.format("1e999")
    assert not out.exists() and not list(tmp_path.glob(".audit.zip*"))


@pytest.mark.parametrize(
    ("value", "time"),
    [("", "2026-11-20 10:06:00 UTC"), (" 0001700000000 ", "2023-11-14 22:13:20 UTC")],
    ids=["empty-is-unset", "leading-zeros"],
)
def test_a_good_or_empty_source_date_epoch_builds(tmp_path: Path, value: str, time: str) -> None:
    project = companions_project(tmp_path / "project")
    done = run_cli("build", project, "-o", tmp_path / "site", env={"SOURCE_DATE_EPOCH": value})
    assert done.returncode == 0, done.stderr
    assert time in (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
