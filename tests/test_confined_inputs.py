"""Confined inputs (issue 17): every file read stays inside the project, is a regular file,
and is read no further than the size limit; a file nobody can name or parse costs only itself.

Real symlinks, real devices, real sparse files of gigabytes, real non-UTF-8 names, and the
real command line (in a subprocess) for what it prints and what `snapshot` ships.
"""

from __future__ import annotations

import json
import os
import re
import resource
import stat
import zipfile
from pathlib import Path

import pytest

import lineage_report
from lineage_report.build import build
from lineage_report.config import load_config
from lineage_report.serve import start
from tests.factories import art, manifest, write_project
from tests.test_cli import cli as run_cli

TOKEN = "AKIAQX7SECRETTOKEN9F3"  # stands for a CI secret; it must reach no output
GOOD = {"runs/good.json": manifest("good", 0, logged=[art("good-data")])}
OUTSIDE = "links to {}, outside the project folder; not read [collect.outside-root]"


def messages(problems) -> list[str]:
    """Return problems as people read them."""
    return [str(p) for p in problems]


def secret_file(folder: Path, name: str, data: str | bytes) -> Path:
    """Write a file outside the project (a credentials file, a private folder's manifest)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def dbt_manifest() -> dict:
    """Return a dbt target/manifest.json of one model."""
    return {
        "metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json"},
        "nodes": {
            "model.shop.orders": {"resource_type": "model", "name": "orders", "depends_on": {}}
        },
    }


def run_results(message: str) -> dict:
    """Return a dbt run_results.json whose one result carries `message`."""
    result = {"unique_id": "model.shop.orders", "status": "success", "message": message}
    return {"metadata": {"dbt_schema_version": "x"}, "results": [result]}


def wandb_manifest(path: str) -> dict:
    """Return a W&B artifact manifest listing one file."""
    return {"version": 1, "contents": {path: {"digest": "1B2M2Y8AsgTpgAmY7PhCfg==", "size": 0}}}


def wandb_user(run_id: str, files: str = "wandb_manifest.json") -> dict:
    """Return a manifest whose logged artifact takes its files from a W&B manifest."""
    return manifest(
        run_id, 5, logged=[{"name": run_id + "-model", "type": "model", "files": files}]
    )


# ---------------------------------------------------------------- links out of the project


def test_a_file_linking_outside_is_reported_and_not_read(tmp_path: Path) -> None:
    secret = secret_file(tmp_path / "home", "credentials.json", json.dumps(manifest(TOKEN, 1)))
    project = write_project(tmp_path / "project", GOOD)
    (project / "runs" / "leak.json").symlink_to(secret)
    lineage = lineage_report.load(project)
    assert messages(lineage.problems) == ["runs/leak.json: " + OUTSIDE.format(secret)]
    assert sorted(lineage.inputs) == ["runs/good.json"]
    assert "run:" + TOKEN not in lineage.graph
    assert "run:good" in lineage.graph


def test_a_link_through_a_link_inside_still_counts_where_it_ends(tmp_path: Path) -> None:
    secret = secret_file(tmp_path / "home", "token.json", json.dumps(manifest(TOKEN, 1)))
    project = write_project(tmp_path / "project", GOOD)
    (project / "hop.json").symlink_to(secret)  # the first hop already leaves
    (project / "runs" / "inner.json").symlink_to(project / "hop.json")  # looks like it stays
    lineage = lineage_report.load(project)
    assert messages(lineage.problems) == [
        "hop.json: " + OUTSIDE.format(secret),
        "runs/inner.json: " + OUTSIDE.format(secret),
    ]


def test_a_dangling_link_out_is_refused_before_anything_is_opened(tmp_path: Path) -> None:
    project = write_project(tmp_path / "project", GOOD)
    (project / "runs" / "later.json").symlink_to(tmp_path / "not-yet.json")
    lineage = lineage_report.load(project)
    assert messages(lineage.problems) == [
        "runs/later.json: " + OUTSIDE.format(tmp_path / "not-yet.json")
    ]


def test_a_folder_link_out_is_one_problem_and_nothing_in_it_is_read(tmp_path: Path) -> None:
    elsewhere = write_project(
        tmp_path / "elsewhere", {f"r{i}.json": manifest(f"far{i}", i) for i in range(3)}
    )
    project = write_project(tmp_path / "project", GOOD)
    (project / "runs" / "team").symlink_to(elsewhere, target_is_directory=True)
    lineage = lineage_report.load(project)
    assert messages(lineage.problems) == [
        f"runs/team: links to {elsewhere}, outside the project folder; nothing in it is read "
        "[collect.outside-root]"
    ]
    assert sorted(lineage.inputs) == ["runs/good.json"]


def test_a_folder_link_out_that_no_glob_reads_is_left_alone(tmp_path: Path) -> None:
    # `data -> /mnt/datasets` beside the manifests is common: it was never an input here.
    elsewhere = write_project(tmp_path / "datasets", {"x.json": manifest("far", 0)})
    project = write_project(tmp_path / "project", GOOD, config='manifests = ["runs/*.json"]\n')
    (project / "data").symlink_to(elsewhere, target_is_directory=True)
    (project / "runs" / "deep").symlink_to(elsewhere, target_is_directory=True)
    lineage = lineage_report.load(project)
    assert lineage.problems == []
    assert sorted(lineage.inputs) == ["runs/good.json"]


def test_links_that_stay_inside_the_project_keep_working(tmp_path: Path) -> None:
    project = write_project(
        tmp_path / "project",
        {
            "store/runs/a.json": manifest("a", 0, logged=[art("a-data")]),
            "store/b.json": manifest("b", 1, logged=[art("b-data")]),
            "store/wandb/model.json": wandb_manifest("weights.bin"),
            "runs/w.json": wandb_user("w"),
            "docs/README.md": "Read me: the team notes.\n",
        },
        config='readme = "README.md"\nmanifests = ["runs/**/*.json"]\n',
    )
    (project / "runs" / "linked").symlink_to(project / "store" / "runs", target_is_directory=True)
    (project / "runs" / "b.json").symlink_to("../store/b.json")
    (project / "runs" / "wandb_manifest.json").symlink_to(
        project / "store" / "wandb" / "model.json"
    )
    (project / "README.md").symlink_to("docs/README.md")
    result = build(load_config(project), tmp_path / "site")
    assert messages(result.problems) == []
    assert sorted(result.lineage.inputs) == [
        "runs/b.json",
        "runs/linked/a.json",
        "runs/w.json",
        "runs/wandb_manifest.json",
    ]
    assert {"run:a", "run:b", "run:w", "artifact:w-model:v0"} <= set(result.lineage.graph)
    assert "the team notes" in (result.output / "index.html").read_text(encoding="utf-8")


def test_a_glob_reaching_outside_is_reported_and_a_dot_dot_inside_is_fine(tmp_path: Path) -> None:
    write_project(tmp_path / "outside", {"x.json": manifest(TOKEN, 0)})
    config = (
        'manifests = ["../outside/*.json", "runs/../runs/*.json"]\n'
        '[[sources]]\npath = "/etc/*.json"\nformat = "openlineage"\n'
    )
    project = write_project(tmp_path / "project", GOOD, config=config)
    lineage = lineage_report.load(project)
    assert messages(lineage.problems) == [
        "lineage-report.toml: /manifests/0: the glob '../outside/*.json' reaches outside the "
        "project folder; nothing there is read [collect.outside-root]",
        "lineage-report.toml: /sources/0/path: the glob '/etc/*.json' reaches outside the "
        "project folder; nothing there is read [collect.outside-root]",
    ]
    assert sorted(lineage.inputs) == ["runs/good.json"]


def test_a_readme_linking_outside_is_reported_and_not_shown(tmp_path: Path) -> None:
    secret = secret_file(tmp_path / "home", "notes.md", f"token {TOKEN}\n")
    project = write_project(tmp_path / "project", GOOD)
    (project / "README.md").symlink_to(secret)
    result = build(load_config(project), tmp_path / "site")
    assert messages(result.problems) == ["README.md: " + OUTSIDE.format(secret)]
    assert TOKEN not in (result.output / "index.html").read_text(encoding="utf-8")


def test_a_readme_named_outside_in_the_config_is_reported(tmp_path: Path) -> None:
    secret = secret_file(tmp_path / "home", "notes.md", f"token {TOKEN}\n")
    project = write_project(tmp_path / "project", GOOD, config=f'readme = "{secret}"\n')
    assert messages(lineage_report.load(project).problems) == [
        f"{secret}: " + OUTSIDE.format(secret)
    ]


def test_a_config_file_linking_outside_is_an_error(tmp_path: Path) -> None:
    borrowed = secret_file(tmp_path / "home", "team.toml", 'title = "Shared"\n')
    project = write_project(tmp_path / "project", GOOD)
    (project / "lineage-report.toml").symlink_to(borrowed)
    done = run_cli("check", project)
    assert done.returncode == 1
    assert done.stderr == (
        f"error: {project / 'lineage-report.toml'}: links to {borrowed}, outside the project "
        "folder; not read; copy it into the project folder\n"
    )


def test_a_wandb_manifest_linking_outside_skips_its_manifest(tmp_path: Path) -> None:
    secret = secret_file(tmp_path / "home", "w.json", json.dumps(wandb_manifest(TOKEN)))
    project = write_project(tmp_path / "project", {**GOOD, "runs/w.json": wandb_user("w")})
    (project / "runs" / "wandb_manifest.json").symlink_to(secret)
    lineage = lineage_report.load(project)
    assert messages(lineage.problems) == ["runs/wandb_manifest.json: " + OUTSIDE.format(secret)]
    assert "run:w" not in lineage.graph


def test_run_results_linking_outside_are_not_read(tmp_path: Path) -> None:
    secret = secret_file(tmp_path / "home", "rr.json", json.dumps(run_results(TOKEN)))
    project = write_project(tmp_path / "project", {"target/manifest.json": dbt_manifest()})
    (project / "target" / "run_results.json").symlink_to(secret)
    lineage = lineage_report.load(project)
    assert messages(lineage.problems) == ["target/run_results.json: " + OUTSIDE.format(secret)]
    [run] = [n for n in lineage.runs()]
    assert TOKEN not in json.dumps(run.attrs, default=str)  # its statuses were not read


def test_a_device_inside_the_project_is_reported_not_read(tmp_path: Path) -> None:
    project = write_project(tmp_path / "project", GOOD)
    try:
        os.mknod(project / "zero.json", stat.S_IFCHR | 0o644, os.makedev(1, 5))  # /dev/zero
    except PermissionError:
        pytest.skip("making a device needs CAP_MKNOD")
    lineage = lineage_report.load(project)  # no subprocess needed: it is never opened for long
    assert messages(lineage.problems) == [
        "zero.json: not a regular file; skipped [manifest.unreadable]"
    ]


def test_snapshot_ships_no_byte_of_anything_outside_the_project(tmp_path: Path) -> None:
    """Every route out at once: a file, a folder, /proc/self/environ, the README, a W&B
    manifest, run_results.json and a glob. Read, each would put the token on a page."""
    home = tmp_path / "home"
    secrets = {
        "manifest": secret_file(home, "cred.json", json.dumps(manifest(TOKEN, 1))),
        "readme": secret_file(home, "notes.md", f"The token is {TOKEN}\n"),
        "wandb": secret_file(home, "w.json", json.dumps(wandb_manifest(TOKEN))),
        "results": secret_file(home, "rr.json", json.dumps(run_results(TOKEN))),
    }
    write_project(home / "private", {"p.json": manifest("p", 0, notes=TOKEN)})
    project = write_project(
        tmp_path / "project",
        {**GOOD, "runs/w.json": wandb_user("w"), "target/manifest.json": dbt_manifest()},
        config='manifests = ["**/*.json", "../home/*.json"]\n',
    )
    links = {
        "runs/leak.json": secrets["manifest"],
        "runs/env.json": Path("/proc/self/environ"),
        "README.md": secrets["readme"],
        "runs/wandb_manifest.json": secrets["wandb"],
        "target/run_results.json": secrets["results"],
        "private": home / "private",
    }
    for link, target in links.items():
        (project / link).symlink_to(target)
    out = tmp_path / "audit.zip"
    done = run_cli("snapshot", project, "-o", out, env={"CI_SECRET": TOKEN})
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    refused = sorted(line for line in done.stderr.splitlines() if "[collect.outside-root]" in line)
    # /proc/self is the reading process: the message names its pid.
    assert re.fullmatch(
        r"runs/env\.json: links to /proc/\d+/environ, outside the project folder; "
        r"not read \[collect\.outside-root\]",
        refused.pop(3),
    )
    assert refused == [
        "README.md: " + OUTSIDE.format(secrets["readme"]),
        "lineage-report.toml: /manifests/1: the glob '../home/*.json' reaches outside the "
        "project folder; nothing there is read [collect.outside-root]",
        f"private: links to {home / 'private'}, outside the project folder; nothing in it "
        "is read [collect.outside-root]",
        "runs/leak.json: " + OUTSIDE.format(secrets["manifest"]),
        "runs/wandb_manifest.json: " + OUTSIDE.format(secrets["wandb"]),
        "target/run_results.json: " + OUTSIDE.format(secrets["results"]),
    ]
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        leaked = [n for n in names if TOKEN.encode() in zf.read(n)]
    assert leaked == []
    inputs = sorted(n for n in names if n.startswith("inputs/"))
    assert inputs == [
        "inputs/lineage-report.toml",
        "inputs/runs/good.json",
        "inputs/runs/w.json",
        "inputs/target/manifest.json",
    ]


# ---------------------------------------------------------------- one file aborts nothing


def bad_name_project(root: Path) -> Path:
    """Write a project with a good manifest and one whose file name is the byte 0xff."""
    project = write_project(root, GOOD)
    with open(os.fsencode(project / "runs") + b"/\xff.json", "wb") as f:
        f.write(json.dumps(manifest("ff", 1)).encode())
    return project


BAD_NAME = (
    "runs/\\xff.json: the file name is not UTF-8; rename the file to read it [collect.bad-name]"
)


def test_a_file_name_that_is_not_utf8_is_a_problem_of_that_file(tmp_path: Path) -> None:
    project = bad_name_project(tmp_path / "project")
    built = run_cli("build", project, "-o", tmp_path / "site", "--quiet")
    assert built.returncode == 0, built.stderr
    assert built.stderr.splitlines() == [BAD_NAME]
    assert (tmp_path / "site" / "index.html").is_file()
    snap = run_cli("snapshot", project, "-o", tmp_path / "audit.zip", "--quiet")
    assert snap.returncode == 0, snap.stderr
    assert BAD_NAME in snap.stderr.splitlines()
    with zipfile.ZipFile(tmp_path / "audit.zip") as zf:
        assert "inputs/runs/good.json" in zf.namelist()
    lineage = lineage_report.load(project)
    assert messages(lineage.problems) == [BAD_NAME]
    assert lineage.inputs_digest().startswith("sha256:")
    assert "run:good" in lineage.graph and "run:ff" not in lineage.graph


def test_serve_rebuilds_on_past_a_file_name_that_is_not_utf8(tmp_path: Path) -> None:
    project = write_project(tmp_path / "project", GOOD)
    with start(load_config(project), port=0) as server:
        bad_name_project(project)
        (project / "runs" / "more.json").write_text(json.dumps(manifest("more", 3)))
        for _ in range(400):  # the rebuild is debounced: wait for it, at most 8 s
            result = server.last_result
            if result is not None and "run:more" in result.lineage.graph:
                break
            __import__("time").sleep(0.02)
        assert server.last_error is None
        assert messages(server.last_result.problems) == [BAD_NAME]


def test_max_manifest_mb_must_be_finite(tmp_path: Path) -> None:
    project = write_project(tmp_path / "project", GOOD, config="max_manifest_mb = inf\n")
    done = run_cli("check", project)
    assert done.returncode == 1
    assert done.stderr == (
        f"error: {project / 'lineage-report.toml'}: invalid settings:\n"
        "  max_manifest_mb: expected a number above 0\n"
    )


# ---------------------------------------------------------------- size limits on every read


def limit_memory() -> None:
    """Cap the subprocess's address space: reading a 3 GB file whole fails at once."""
    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))


def sparse(path: Path, size: int = 3_000_000_000) -> None:
    """Make a file that says it holds `size` bytes and takes no disk space."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        f.truncate(size)


def check_json(project: Path) -> list[str]:
    """Run `check --format json` with memory capped; return the problems as people read them."""
    done = run_cli("check", project, "--format", "json", preexec_fn=limit_memory)
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    problems = json.loads(done.stdout)
    return [f"{p['path']}: {p['message']} [{p['kind']}]" for p in problems]


TOO_LARGE = (
    "{}: file is 3000.0 MB, over the 50 MB limit (max_manifest_mb in lineage-report.toml) "
    "[manifest.too-large]"
)


def test_a_wandb_manifest_over_the_limit_is_not_read_nor_ingested(tmp_path: Path) -> None:
    project = write_project(tmp_path / "project", {**GOOD, "runs/w.json": wandb_user("w")})
    sparse(project / "runs" / "wandb_manifest.json")
    assert check_json(project) == [TOO_LARGE.format("runs/wandb_manifest.json")]
    assert "run:w" not in lineage_report.load(project).graph


def test_a_wandb_manifest_over_the_limit_outside_the_glob_is_not_read(tmp_path: Path) -> None:
    # Only the manifest naming it reads it: the limit must hold there too.
    config = 'manifests = ["runs/w.json"]\n'
    project = write_project(tmp_path / "project", {"runs/w.json": wandb_user("w")}, config)
    sparse(project / "runs" / "wandb_manifest.json")
    assert check_json(project) == [TOO_LARGE.format("runs/wandb_manifest.json")]


def test_run_results_over_the_limit_are_reported_and_the_models_still_built(
    tmp_path: Path,
) -> None:
    config = 'manifests = ["target/manifest.json"]\n'
    project = write_project(tmp_path / "project", {"target/manifest.json": dbt_manifest()}, config)
    sparse(project / "target" / "run_results.json")
    # dbt's artifacts have their own limit (issue 12: a real project's manifest is read).
    assert check_json(project) == [
        "target/run_results.json: file is 3000.0 MB, over the 1000 MB limit "
        "(max_dbt_manifest_mb in lineage-report.toml) [manifest.too-large]"
    ]
    assert [r.id for r in lineage_report.load(project).runs()][0].startswith(
        "run:model.shop.orders@"
    )


def test_a_readme_over_the_limit_is_reported_and_not_shown(tmp_path: Path) -> None:
    project = write_project(tmp_path / "project", GOOD, config="max_manifest_mb = 0.1\n")
    (project / "README.md").write_text("x" * 150_000)
    result = build(load_config(project), tmp_path / "site")
    assert messages(result.problems) == [
        "README.md: file is 0.15 MB, over the 0.1 MB limit (max_manifest_mb in "
        "lineage-report.toml) [manifest.too-large]"
    ]
    assert "x" * 1000 not in (result.output / "index.html").read_text(encoding="utf-8")


def test_a_config_file_that_is_a_fifo_is_an_error_not_a_hang(tmp_path: Path) -> None:
    project = write_project(tmp_path / "project", GOOD)
    os.mkfifo(project / "lineage-report.toml")
    done = run_cli("check", project, timeout=30)  # a hang fails the test
    assert done.returncode == 1
    assert done.stderr == (
        f"error: {project / 'lineage-report.toml'}: not a regular file; skipped\n"
    )
