"""Live preview: a real server on 127.0.0.1, a real watchdog observer, real HTTP requests.

Each test serves a copy of the sample project, changes files in it the way an editor or a
running pipeline would, and waits (bounded) for the served site to follow.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from lineage_report import naming
from lineage_report.config import load_config
from lineage_report.serve import Server, start

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_project"
UPLOAD = "runs/upload-zesty-leaf-1.json"  # logs mnist-raw:v0
RAW_PAGE = naming.node_path("artifact:mnist-raw:v0")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Return a private copy of the sample project, free to change."""
    return Path(shutil.copytree(SAMPLE, tmp_path / "project"))


@pytest.fixture
def server(project: Path):
    """Serve the project copy on a free port; stop it after the test."""
    with start(load_config(project), port=0) as running:
        yield running


def get(url: str, headers: dict | None = None) -> tuple[int, str]:
    """Return the status and text of a GET request (an error status is returned, not raised)."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def wait_until(condition, timeout: float = 8.0) -> bool:
    """Poll `condition` every 20 ms until it is true or `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def rewrite(path: Path, change) -> None:
    """Load a manifest, let `change` edit the document, and write it back in place."""
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


def describe_raw(project: Path, text: str) -> None:
    """Give mnist-raw:v0 a new description."""
    rewrite(project / UPLOAD, lambda d: d["logged_artifacts"][0].update(description=text))


def new_manifest(project: Path) -> str:
    """Return the text of a new run's manifest (an upload of a new artifact)."""
    data = json.loads((project / UPLOAD).read_text(encoding="utf-8"))
    data["run"].update(id="fresh01", name="fresh-run-99")
    data["logged_artifacts"] = [{**data["logged_artifacts"][0], "name": "fresh-data"}]
    return json.dumps(data, indent=2)


def failed_with(server: Server, text: str) -> bool:
    """Wait until the latest build has failed with an error that mentions `text`."""
    return wait_until(lambda: text in (server.last_error or ""))


def built_with(server: Server, node: str) -> bool:
    """Wait until the latest build succeeded and its graph has `node`."""
    return wait_until(
        lambda: server.last_error is None and node in server.last_result.lineage.graph
    )


def problems_of(server: Server, path: str) -> list:
    """Return the latest successful build's problems in one input file."""
    return [p for p in server.last_result.problems if p.path == path]


def test_serves_the_site_with_the_script_only_in_responses(server: Server):
    status, html = get(server.url)
    assert status == 200
    assert "MNIST digit classifier" in html
    assert re.search(
        r'<script src="/__livereload.js" data-build="[0-9a-f]+\.1"></script>\s*'
        r"</body>",
        html,
    )
    status, script = get(server.url + "__livereload.js")
    assert status == 200 and "location.reload()" in script and "textContent" in script
    assert "innerHTML" not in script
    on_disk = list(server.output.rglob("*.html"))
    assert len(on_disk) > 50
    assert not [p for p in on_disk if b"__livereload" in p.read_bytes()]
    # Only a served page may connect, to poll this server: the files connect nowhere.
    polling = "content=\"connect-src 'self'; default-src 'none'; "
    assert polling in html
    assert not [p for p in on_disk if b"connect-src" in p.read_bytes()]
    status, missing = get(server.url + "runs/no-such-run.html")
    assert status == 404 and "Page not found" in missing and "__livereload.js" in missing
    assert polling in missing
    status, body = get(server.url + "__livereload")
    assert status == 200
    assert json.loads(body) | {"build": "x"} == {
        "build": "x",
        "builds": 1,
        "attempt": 1,
        "error": None,
        "problems": 0,
    }


def test_refuses_a_foreign_host_header(server: Server):
    # A page on another site that points its DNS name at 127.0.0.1 must not read the report.
    status, _ = get(server.url, headers={"Host": "attacker.example:80"})
    assert status == 421
    port = server.url.rsplit(":", 1)[1].strip("/")
    assert get(server.url, headers={"Host": f"localhost:{port}"})[0] == 200


def test_manifest_change_shows_up_in_the_served_page(server: Server, project: Path):
    assert "as downloaded" in get(server.url + RAW_PAGE)[1]
    describe_raw(project, "# Refetched on Tuesday")
    assert wait_until(lambda: "Refetched on Tuesday" in get(server.url + RAW_PAGE)[1])
    # The page is on disk a moment before the build is counted.
    assert wait_until(lambda: server.build_count == 2)
    assert server.build_count == 2 and server.last_error is None


def test_a_burst_of_writes_gives_one_rebuild(server: Server, project: Path):
    for i in range(20):  # 20 writes within 0.2 s, as a pipeline logging quickly
        describe_raw(project, f"burst write {i:02d}")
        time.sleep(0.01)
    assert wait_until(lambda: server.build_count >= 2)
    time.sleep(1.0)  # longer than the quiet period: any second rebuild would have started
    assert server.build_count in (2, 3), server.build_count
    assert "burst write 19" in get(server.url + RAW_PAGE)[1]


def test_half_written_manifest_is_a_problem_and_the_next_write_fixes_it(
    server: Server, project: Path
):
    text = new_manifest(project)
    (project / "runs/fresh.json").write_text(text[: len(text) // 2], encoding="utf-8")
    assert wait_until(lambda: problems_of(server, "runs/fresh.json"))
    assert server.last_error is None
    [problem] = server.last_result.problems
    assert (problem.path, problem.kind) == ("runs/fresh.json", "manifest.invalid-json")
    assert "runs/fresh.json" in get(server.url + naming.PROBLEMS)[1]
    assert json.loads(get(server.url + "__livereload")[1])["problems"] == 1

    (project / "runs/fresh.json").write_text(text, encoding="utf-8")
    assert built_with(server, "run:fresh01")
    assert server.last_result.problems == []
    assert "fresh-data" in get(server.url + naming.node_path("artifact:fresh-data:v0"))[1]


def test_sdk_style_writes_rebuild_once_and_scratch_files_are_ignored(project: Path):
    # Output inside the project: the build's own writes must not trigger a rebuild.
    with start(load_config(project), port=0, output=project / "site") as server:
        scratch = project / "runs" / ".fresh.json.4242.ab12.tmp"
        scratch.write_text(new_manifest(project), encoding="utf-8")
        (project / "notes.swp").write_text("editor scratch", encoding="utf-8")
        time.sleep(1.0)
        assert server.attempts == 1
        os.replace(scratch, project / "runs" / "fresh.json")  # what the SDK does last
        assert built_with(server, "run:fresh01")
        time.sleep(0.8)
        assert server.attempts == 2 and server.last_result.problems == []
        assert not list((project / "site").rglob("*.json.*.tmp"))


def test_config_change_reloads_it_and_a_broken_config_keeps_the_last_site(
    server: Server, project: Path
):
    config = project / "lineage-report.toml"
    good = config.read_text(encoding="utf-8")
    config.write_text(good + "\n[theme\n", encoding="utf-8")
    assert failed_with(server, "lineage-report.toml")
    assert server.build_count == 1
    status, html = get(server.url)
    assert status == 200 and "MNIST digit classifier" in html
    reported = json.loads(get(server.url + "__livereload?attempt=-1")[1])
    assert reported["error"] == server.last_error and reported["builds"] == 1

    attempts = server.attempts
    describe_raw(project, "changed while the config is broken")
    assert wait_until(lambda: server.attempts > attempts)
    assert "lineage-report.toml" in server.last_error  # not built with the stale config

    config.write_text(good.replace("MNIST digit classifier", "Digits, renamed"), encoding="utf-8")
    assert wait_until(lambda: server.last_error is None)
    assert server.build_count >= 2
    assert "Digits, renamed" in get(server.url)[1]


def test_theme_change_rebuilds_and_a_broken_template_keeps_the_last_site(project: Path):
    theme = project / "theme"
    theme.mkdir()
    page = theme / "index.html"
    page.write_text('{% extends "base.html" %}{% block content %}<p>custom one</p>{% endblock %}\n')
    config = project / "lineage-report.toml"
    config.write_text(config.read_text() + '\n[theme]\ncustom_dir = "theme"\n')
    with start(load_config(project), port=0) as server:
        assert "custom one" in get(server.url)[1]
        page.write_text('{% extends "base.html" %}{% block content %}<p>custom two</p>\n')
        assert failed_with(server, "index.html")  # the failing template names itself
        assert "custom one" in get(server.url)[1]
        reported = json.loads(get(server.url + "__livereload?attempt=1")[1])
        assert reported["error"] == server.last_error
        page.write_text(
            '{% extends "base.html" %}{% block content %}<p>custom two</p>{% endblock %}\n'
        )
        assert wait_until(lambda: "custom two" in get(server.url)[1])
        assert wait_until(lambda: server.last_error is None)  # counted just after the swap


def test_polling_observer_sees_changes(project: Path):
    with start(load_config(project), port=0, poll=True) as server:
        describe_raw(project, "seen by polling")
        assert wait_until(lambda: "seen by polling" in get(server.url + RAW_PAGE)[1])


def test_long_poll_answers_when_a_build_finishes(server: Server, project: Path):
    first = json.loads(get(server.url + "__livereload")[1])
    answers: queue.Queue = queue.Queue()
    query = f"__livereload?build={first['build']}&attempt={first['attempt']}"
    waiter = threading.Thread(target=lambda: answers.put(get(server.url + query)))
    waiter.start()
    time.sleep(0.3)
    assert answers.empty()  # nothing changed yet: the request is held
    describe_raw(project, "long poll")
    status, body = answers.get(timeout=8)
    waiter.join()
    assert status == 200 and json.loads(body)["builds"] == 2


def test_stop_releases_the_port_and_the_temporary_folder(project: Path):
    server = start(load_config(project), port=0)
    held: queue.Queue = queue.Queue()
    threading.Thread(
        target=lambda: held.put(
            get(server.url + "__livereload?attempt=1&build=" + server.build_id())
        ),
        daemon=True,
    ).start()
    time.sleep(0.2)
    began = time.monotonic()
    server.stop()
    assert time.monotonic() - began < 3  # the held long-poll did not keep it waiting
    assert held.get(timeout=3)[0] == 200
    assert not server.output.exists()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(server.url, timeout=2)


def read_lines(stream, lines: queue.Queue) -> None:
    """Copy a subprocess's output lines into a queue (a thread, so reads can time out)."""
    for line in stream:
        lines.put(line)


def test_cli_serve_starts_serves_and_stops_on_sigint(project: Path):
    command = [sys.executable, "-m", "lineage_report", "serve", str(project), "--port", "0"]
    proc = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=read_lines, args=(proc.stdout, lines), daemon=True).start()
    try:
        first = lines.get(timeout=15)
        match = re.match(r"Serving (http://127\.0\.0\.1:\d+/)  \(site in (.+)\)$", first.strip())
        assert match, first
        url, site = match[1], Path(match[2])
        status, html = get(url)
        assert status == 200 and "__livereload.js" in html
        assert (site / "index.html").is_file()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "Built 33 runs" in proc.stderr.read()
    assert not site.exists()


def test_cli_serve_reports_a_port_in_use(server: Server, project: Path):
    port = server.url.rsplit(":", 1)[1].strip("/")
    command = [sys.executable, "-m", "lineage_report", "serve", str(project), "--port", port]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=20)
    assert done.returncode == 1
    assert f"error: cannot listen on 127.0.0.1:{port}" in done.stderr


def test_the_404_page_links_from_the_root_at_any_depth(server: Server):
    status, missing = get(server.url + "runs/a/b/no-such-run.html")
    assert status == 404 and "Page not found" in missing
    links = re.findall(r'\s(?:href|src)="([^"]+)"', missing)
    assert links and all(link.startswith("/") for link in links), links
    for link in links:
        assert get(server.url + link.lstrip("/"))[0] == 200, link
