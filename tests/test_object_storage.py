"""Manifests in object storage: builds from `s3://` against a real S3 API server.

The server is moto's, run in server mode on 127.0.0.1 by a fixture; the tool reaches it
through s3fs with `AWS_ENDPOINT_URL`, as it would reach MinIO. Every request the server
answers is logged (werkzeug's request log), so a test can count the objects downloaded.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from lineage_report import naming, remote, serve
from lineage_report.build import build
from lineage_report.cli import main
from lineage_report.config import load_config
from lineage_report.inputfiles import Refused
from lineage_report.snapshot import make_snapshot, verify
from lineage_report.status import STATUS_NAME
from tests.conftest import SMALL
from tests.factories import art, manifest, write_project

ROOT = Path(__file__).resolve().parents[1]
BUCKET = "lineage-test"
PREFIX = "small"
PROJECT = f"s3://{BUCKET}/{PREFIX}"
CHANGED = "runs/train-bold-fern-5.json"  # logs classifier:v1
CLASSIFIER_V1 = naming.node_path("artifact:classifier:v1")
SETTINGS = ["lineage-report.toml", "README.md"]  # read on every build: they say what to read
REQUEST = re.compile(r'"(GET|HEAD|PUT|POST|DELETE) (\S+) HTTP')


class RequestLog(logging.Handler):
    """Keeps the request lines the S3 server logs, one per request it answered."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep one request line."""
        self.lines.append(record.getMessage())

    def mark(self) -> int:
        """Return a mark: the requests answered so far."""
        return len(self.lines)

    def downloads(self, since: int = 0) -> list[str]:
        """Return the keys of the objects downloaded (GET of an object) since a mark."""
        keys = []
        for line in self.lines[since:]:
            match = REQUEST.search(line)
            if match and match.group(1) == "GET" and "?" not in match.group(2):
                bucket, _, key = match.group(2).lstrip("/").partition("/")
                if key:
                    keys.append(key)
        return sorted(keys)


@pytest.fixture(scope="module")
def s3():
    """Run an S3 API server (moto, server mode) on 127.0.0.1; return its URL and request log."""
    log = RequestLog()
    werkzeug = logging.getLogger("werkzeug")
    werkzeug.addHandler(log)
    werkzeug.setLevel(logging.INFO)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}", log
    server.stop()
    werkzeug.removeHandler(log)


def credentials(endpoint: str) -> dict[str, str]:
    """Return the environment of a client of the test server (and of nothing else)."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_CONFIG_FILE": os.devnull,
    }


@pytest.fixture
def bucket(s3, monkeypatch):
    """Point the AWS environment at the server and return a client of a fresh, empty bucket."""
    endpoint, _ = s3
    for name in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(name)
    for name, value in credentials(endpoint).items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=endpoint)
    client.create_bucket(Bucket=BUCKET)
    yield client
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def upload(client, folder: Path, prefix: str) -> dict[str, bytes]:
    """Upload every file of a folder under `prefix`; return the bytes by project path."""
    sent = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        sent[rel] = path.read_bytes()
        client.put_object(Bucket=BUCKET, Key=f"{prefix}/{rel}", Body=sent[rel])
    return sent


def site_files(site: Path) -> dict[str, bytes]:
    """Return the files of a built site with their bytes, but its status (the caches)."""
    return {
        p.relative_to(site).as_posix(): p.read_bytes()
        for p in site.rglob("*")
        if p.is_file() and p.name != STATUS_NAME
    }


def changed_manifest(text: str) -> bytes:
    """Return the changed manifest's bytes with a new description for classifier:v1."""
    data = json.loads((SMALL / CHANGED).read_text())
    data["logged_artifacts"][0]["description"] = text
    return json.dumps(data, indent=2).encode()


def run_cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    """Run `lineage-report` in its own process with exactly this AWS environment."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    clean["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "lineage_report", *args],
        env={**clean, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


# --------------------------------------------------------------------- building


def test_a_bucket_builds_the_same_site_as_the_folder(s3, bucket, tmp_path, monkeypatch):
    upload(bucket, SMALL, PREFIX)
    local = build(load_config(SMALL), tmp_path / "local")
    monkeypatch.chdir(tmp_path)
    assert main(["build", PROJECT, "-o", "remote", "-q"]) == 0
    remote = site_files(tmp_path / "remote")
    assert remote == site_files(local.output)  # title and README read from the bucket too
    inputs = json.loads(remote["lineage.json"])["inputs"]
    assert [i["path"] for i in inputs] == sorted(f"runs/{p.name}" for p in SMALL.glob("runs/*"))


def test_a_rebuild_downloads_only_what_changed(s3, bucket, tmp_path):
    _, log = s3
    upload(bucket, SMALL, PREFIX)
    site = tmp_path / "site"
    mark = log.mark()
    build(load_config(PROJECT), site)
    manifests = [f"{PREFIX}/runs/{p.name}" for p in sorted(SMALL.glob("runs/*"))]
    settings = sorted(f"{PREFIX}/{name}" for name in SETTINGS)
    assert log.downloads(mark) == sorted(manifests + settings)

    mark = log.mark()
    again = build(load_config(PROJECT), site)
    assert log.downloads(mark) == settings  # no manifest: each one's ETag is unchanged
    assert again.written == [STATUS_NAME]  # no page: nothing changed

    bucket.put_object(Bucket=BUCKET, Key=f"{PREFIX}/{CHANGED}", Body=changed_manifest("Retuned."))
    mark = log.mark()
    third = build(load_config(PROJECT), site)
    assert log.downloads(mark) == sorted([f"{PREFIX}/{CHANGED}", *settings])
    assert "Retuned." in (site / CLASSIFIER_V1).read_text()
    assert CLASSIFIER_V1 in third.written


def test_manifest_globs_and_sources_may_be_urls(s3, bucket, tmp_path):
    """A local project reads some of its inputs from a bucket; they are named by URL."""
    upload(bucket, SMALL / "runs", "shared/runs")
    project = tmp_path / "project"
    shutil.copytree(SMALL, project)
    for path in sorted((project / "runs").glob("train-*")):
        path.unlink()  # the training runs are read from the bucket only
    (project / "lineage-report.toml").write_text(
        (SMALL / "lineage-report.toml").read_text()
        + f'\n[[sources]]\npath = "s3://{BUCKET}/shared/runs/train-*.json"\nformat = "manifest"\n'
    )
    result = build(load_config(project), tmp_path / "mixed")
    full = site_files(build(load_config(SMALL), tmp_path / "local").output)
    mixed = site_files(result.output)
    named = f"s3://{BUCKET}/shared/runs/".encode()
    differs = {p for p in full if full[p] != mixed[p].replace(named, b"runs/")}
    assert differs == {"index.html", "lineage.json"}  # the inputs' digest covers their names
    assert sorted(result.lineage.inputs) == [
        *(f"runs/{p.name}" for p in sorted(SMALL.glob("runs/upload-*"))),
        *(f"s3://{BUCKET}/shared/runs/{p.name}" for p in sorted(SMALL.glob("runs/train-*"))),
    ]
    assert result.problems == []


def companions_project(folder: Path, message: str) -> Path:
    """Write a project whose inputs name files beside them: dbt's run_results.json, and a
    W&B manifest that lists a logged artifact's files."""
    dbt = {
        "metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json"},
        "nodes": {
            "model.shop.orders": {"resource_type": "model", "name": "orders", "depends_on": {}}
        },
    }
    result = {"unique_id": "model.shop.orders", "status": "success", "message": message}
    weights = {"digest": "1B2M2Y8AsgTpgAmY7PhCfg==", "size": 0}
    files = {
        "target/manifest.json": dbt,
        "target/run_results.json": {"metadata": {"dbt_schema_version": "x"}, "results": [result]},
        "runs/up.json": manifest("up", 0, logged=[art("raw")]),
        "runs/w.json": manifest(
            "w", 5, logged=[{"name": "model", "type": "model", "files": "wandb/model.json"}]
        ),
        "runs/wandb/model.json": {"version": 1, "contents": {"weights.bin": weights}},
    }
    config = 'title = "Companions"\nmanifests = ["runs/*.json"]\n'
    config += '[[sources]]\npath = "target/manifest.json"\nformat = "dbt"\n'
    return write_project(folder, files, config)


def test_files_named_beside_an_input_come_from_the_bucket(s3, bucket, tmp_path, monkeypatch):
    project = companions_project(tmp_path / "project", "ran in the bucket")
    upload(bucket, project, PREFIX)
    local = build(load_config(project), tmp_path / "local")
    decoy = companions_project(tmp_path / "here", "a local file: never read")
    monkeypatch.chdir(decoy)  # a project in a bucket reads nothing of the current folder
    remote = build(load_config(PROJECT), tmp_path / "remote")
    assert remote.problems == local.problems == []
    assert site_files(remote.output) == site_files(local.output)
    assert b"ran in the bucket" in (remote.output / "lineage.json").read_bytes()
    assert remote.lineage.graph.nodes["artifact:model:v0"]["file_count"] == 1


def test_a_w_and_b_manifest_beside_a_url_input_is_read(s3, bucket, tmp_path):
    project = companions_project(tmp_path / "project", "unused")
    upload(bucket, project / "runs", "shared/runs")
    folder = write_project(tmp_path / "local", {}, f'manifests = ["s3://{BUCKET}/shared/*/*.json"]')
    result = build(load_config(folder), tmp_path / "site")
    assert result.problems == []
    assert result.lineage.graph.nodes["artifact:model:v0"]["file_count"] == 1


def test_an_object_over_the_size_limit_is_reported_and_not_downloaded(s3, bucket, tmp_path):
    _, log = s3
    upload(bucket, SMALL, PREFIX)
    big = b'{"manifest_version": 1, "padding": "' + b"x" * 1_200_000 + b'"}'
    bucket.put_object(Bucket=BUCKET, Key=f"{PREFIX}/runs/huge.json", Body=big)
    mark = log.mark()
    result = build(load_config(PROJECT, max_manifest_mb=1), tmp_path / "site")
    assert [str(p) for p in result.problems] == [
        "runs/huge.json: file is 1.2 MB, over the 1 MB limit "
        "(max_manifest_mb in lineage-report.toml) [manifest.too-large]"
    ]
    assert f"{PREFIX}/runs/huge.json" not in log.downloads(mark)


def test_an_object_deleted_after_the_listing_costs_only_itself(s3, bucket):
    upload(bucket, SMALL / "runs", PREFIX)
    listed = remote.listing(PROJECT, ["*.json"])
    bucket.delete_object(Bucket=BUCKET, Key=f"{PREFIX}/{CHANGED[5:]}")
    remote.plan(list(listed.values()))
    with pytest.raises(
        Refused, match="^cannot read the object: it was deleted after it was listed$"
    ):
        listed[CHANGED[5:]].read(50)
    kept = [name for name in listed if name != CHANGED[5:]]
    assert [listed[name].read(50) for name in kept] == [
        (SMALL / "runs" / n).read_bytes() for n in kept
    ]


# --------------------------------------------------------------------- snapshot and serve


def test_a_snapshot_ships_the_bytes_read_from_the_bucket(s3, bucket, tmp_path):
    _, log = s3
    sent = upload(bucket, SMALL, PREFIX)
    mark = log.mark()
    made = make_snapshot(load_config(PROJECT), tmp_path / "audit.zip")
    assert log.downloads(mark) == sorted(f"{PREFIX}/{rel}" for rel in sent)  # each one once
    with zipfile.ZipFile(made.path) as archive:
        shipped = {
            name.removeprefix("inputs/"): archive.read(name)
            for name in archive.namelist()
            if name.startswith("inputs/")
        }
    assert shipped == sent
    outcome = verify(made.path, made.digest)
    assert outcome.ok and outcome.problems == []


def test_a_snapshot_names_url_inputs_by_bucket_and_key(s3, bucket, tmp_path):
    sent = upload(bucket, SMALL / "runs", "shared/runs")
    project = tmp_path / "project"
    project.mkdir()
    (project / "lineage-report.toml").write_text(
        f'manifests = ["s3://{BUCKET}/shared/runs/*.json"]\n'
        'external = ["pretrained-embeddings:*"]\n'
    )
    made = make_snapshot(load_config(project), tmp_path / "audit.zip")
    with zipfile.ZipFile(made.path) as archive:
        inputs = sorted(n for n in archive.namelist() if n.startswith("inputs/"))
        assert archive.read(f"inputs/s3/{BUCKET}/shared/runs/{CHANGED[5:]}") == sent[CHANGED[5:]]
    assert inputs == [
        "inputs/lineage-report.toml",
        *(f"inputs/s3/{BUCKET}/shared/runs/{rel}" for rel in sorted(sent)),
    ]


def test_serve_polls_the_bucket_and_rebuilds(s3, bucket, monkeypatch):
    upload(bucket, SMALL, PREFIX)
    monkeypatch.setattr(serve, "REMOTE_POLL", 0.2)
    with serve.start(load_config(PROJECT), port=0) as server:
        body = changed_manifest("Seen by polling the bucket.")
        bucket.put_object(Bucket=BUCKET, Key=f"{PREFIX}/{CHANGED}", Body=body)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and server.build_count < 2:
            time.sleep(0.05)
        with urllib.request.urlopen(server.url + CLASSIFIER_V1, timeout=10) as response:
            assert "Seen by polling the bucket." in response.read().decode()
        assert server.last_error is None


# --------------------------------------------------------------------- one clear line


def test_a_missing_bucket_is_one_line(s3, bucket, tmp_path):
    endpoint, _ = s3
    done = run_cli("build", "s3://no-such-bucket/runs", env=credentials(endpoint), cwd=tmp_path)
    assert (done.returncode, done.stderr) == (1, "error: s3://no-such-bucket: no such bucket\n")
    assert not (tmp_path / "site").exists()


def test_a_missing_bucket_in_a_glob_is_one_line(s3, bucket, tmp_path):
    endpoint, _ = s3
    (tmp_path / "lineage-report.toml").write_text('manifests = ["s3://gone-bucket/**/*.json"]\n')
    done = run_cli("check", str(tmp_path), env=credentials(endpoint), cwd=tmp_path)
    assert (done.returncode, done.stderr) == (1, "error: s3://gone-bucket: no such bucket\n")


def test_missing_credentials_are_one_line(s3, bucket, tmp_path):
    endpoint, _ = s3
    env = credentials(endpoint)
    del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    done = run_cli("build", PROJECT, env=env, cwd=tmp_path)
    assert (done.returncode, done.stderr) == (
        1,
        f"error: {PROJECT}: no credentials found (set AWS_ACCESS_KEY_ID "
        "and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or an instance role)\n",
    )


@pytest.fixture(scope="module")
def guarded_s3():
    """Run a second S3 server, in its own process, that checks every request's credentials."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "0"}  # moto: authenticate everything
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(endpoint + "/moto-api/", timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    yield endpoint
    proc.terminate()
    proc.wait(timeout=10)


def test_denied_access_is_one_line(guarded_s3, tmp_path):
    done = run_cli("build", PROJECT, env=credentials(guarded_s3), cwd=tmp_path)
    assert (done.returncode, done.stderr) == (
        1,
        f"error: {PROJECT}: access denied "
        "(The AWS Access Key Id you provided does not exist in our records.)\n",
    )


def test_a_missing_extra_is_one_line(tmp_path):
    absent = [s for s, module in (("gs", "gcsfs"), ("az", "adlfs")) if not installed(module)]
    if not absent:
        pytest.skip("gcsfs and adlfs are both installed: no driver is missing here")
    scheme = absent[0]
    extra = {"gs": "gcs", "az": "azure"}[scheme]
    done = run_cli("build", f"{scheme}://bucket/runs", env={}, cwd=tmp_path)
    assert (done.returncode, done.stderr) == (
        1,
        f"error: reading {scheme}:// needs the {extra} extra: "
        f"pip install 'lineage-report[{extra}]'\n",
    )


def test_an_unsupported_scheme_is_one_line(tmp_path):
    done = run_cli("build", "ftp://example.org/runs", env={}, cwd=tmp_path)
    assert (done.returncode, done.stderr) == (
        1,
        "error: ftp://example.org/runs: ftp:// is not supported (use s3://, gs://, az://)\n",
    )


def installed(module: str) -> bool:
    """Tell whether a module can be imported here."""
    return importlib.util.find_spec(module) is not None
