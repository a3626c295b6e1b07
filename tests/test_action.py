"""The GitHub Action (action.yml) and the workflows docs/ci.md shows.

The action's steps run here as a runner would run them: inputs and `github` context put
into each step's `env`, each script run by bash in a workspace, outputs read back from
`$GITHUB_OUTPUT`. `actions/setup-python` is the one step that cannot run here (Python is
already there). GitHub's API cannot be reached from here either, so `gh` is a small script
that answers like it and records each call. The action installs lineage-report from this
checkout into a fresh venv, offline.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from ruamel.yaml import YAML

from tests.conftest import ROOT, SMALL
from tests.factories import manifest
from tests.test_wheel import see_outer_packages

pytestmark = pytest.mark.slow
EXPRESSION = re.compile(r"\$\{\{\s*([\w.-]+)\s*\}\}")
WORKFLOWS = sorted((ROOT / "docs" / "workflows").glob("*.yml"))


def schema(name: str) -> dict:
    """Return one of the GitHub schemas that check-jsonschema ships (SchemaStore's)."""
    vendor = resources.files("check_jsonschema.builtin_schemas.vendor")
    return json.loads((vendor / f"{name}.json").read_text())


def load_yaml(text: str) -> dict:
    """Parse YAML 1.2, as GitHub does: `on:` stays a key, not the boolean true."""
    return YAML(typ="safe", pure=True).load(text)


def action() -> dict:
    """Return action.yml, parsed."""
    return load_yaml((ROOT / "action.yml").read_text())


def test_action_yml_is_a_valid_composite_action():
    doc = action()
    jsonschema.validate(doc, schema("github-actions"))
    assert doc["runs"]["using"] == "composite"
    for step in doc["runs"]["steps"]:
        # Expressions only in env: an input or a PR title never becomes shell code.
        assert "${{" not in step.get("run", ""), step
        if "run" in step:
            assert step["shell"] == "bash"
    used = {m for step in doc["runs"]["steps"] for m in EXPRESSION.findall(json.dumps(step))}
    assert {u.split(".")[1] for u in used if u.startswith("inputs.")} == set(doc["inputs"])


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_the_documented_workflows_are_valid(workflow):
    doc = load_yaml(workflow.read_text())
    jsonschema.validate(doc, schema("github-workflows"))
    steps = [s for job in doc["jobs"].values() for s in job.get("steps", [])]
    ours = [s for s in steps if s.get("uses", "").startswith("lineage-report/lineage-report@")]
    assert ours, "the workflow uses the action"
    for step in ours:
        assert set(step.get("with", {})) <= set(action()["inputs"])
    # docs/ci.md shows each workflow whole, as it is in the file.
    assert workflow.read_text().strip() in (ROOT / "docs" / "ci.md").read_text()


# --- running the action --------------------------------------------------------------------


@pytest.fixture(scope="module")
def runner_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv in which the action's `python -m pip install` may install lineage-report."""
    folder = tmp_path_factory.mktemp("runner") / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", folder],
        check=True,
    )
    see_outer_packages(folder / "bin" / "python")
    return folder / "bin"


GH = """#!/usr/bin/env python3
# Answers like `gh api` for the comments of one pull request; records every call.
import json, os, sys
log = os.environ["GH_LOG"]
calls = json.load(open(log)) if os.path.exists(log) else []
args = sys.argv[1:]
body = next((a[len("body=@"):] for a in args if a.startswith("body=@")), None)
calls.append({"args": args, "body": open(body).read() if body else None})
json.dump(calls, open(log, "w"))
if "--jq" in args:
    print(os.environ.get("GH_EXISTING", ""))
"""


class Runner:
    """Runs the steps of action.yml the way GitHub's runner does, for one event."""

    def __init__(self, bin_dir: Path, workspace: Path, event: str, inputs: dict[str, str]):
        self.workspace = workspace
        self.tools = workspace.parent / "tools"
        self.tools.mkdir(exist_ok=True)
        (self.tools / "gh").write_text(GH)
        (self.tools / "gh").chmod(0o755)
        self.env = {
            **os.environ,
            "PATH": f"{self.tools}:{bin_dir}:{os.environ['PATH']}",
            "PIP_NO_INDEX": "1",
            "PIP_NO_DEPS": "1",
            "PIP_NO_BUILD_ISOLATION": "0",  # pip's name: "0" turns build isolation off
            "GH_LOG": str(workspace.parent / "gh.json"),
            "GITHUB_STEP_SUMMARY": str(workspace.parent / "summary.md"),
        }
        self.env.pop("PYTHONPATH", None)
        defaults = {k: str(v.get("default", "")) for k, v in action()["inputs"].items()}
        self.context = {
            **{f"inputs.{k}": v for k, v in {**defaults, **inputs}.items()},
            "github.action_path": str(ROOT),
            "github.event_name": event,
            "github.token": "token-for-tests",
            "github.server_url": "https://github.com",
            "github.repository": "octo/models",
            "github.run_id": "42",
            "github.event.pull_request.number": "7" if event == "pull_request" else "",
        }
        self.outputs: dict[str, dict[str, str]] = {}

    def value(self, text: str) -> str:
        """Put the context's values in for the `${{ }}` expressions of a string."""
        return EXPRESSION.sub(lambda m: self.context.get(m.group(1), ""), str(text))

    def run(self) -> list[tuple[str, int, str]]:
        """Run every step; return each one's name, exit code and output, up to a failure."""
        ran = []
        for number, step in enumerate(action()["runs"]["steps"]):
            if "uses" in step:
                assert step["uses"].startswith("actions/setup-python@")
                continue
            output = self.workspace.parent / f"output-{number}"
            output.write_text("")
            env = {k: self.value(v) for k, v in step.get("env", {}).items()}
            proc = subprocess.run(
                ["bash", "-e", "-c", step["run"]],
                cwd=self.workspace,
                env={**self.env, **env, "GITHUB_OUTPUT": str(output)},
                capture_output=True,
                text=True,
                timeout=300,
            )
            ran.append((step["name"], proc.returncode, proc.stdout + proc.stderr))
            found = dict(line.split("=", 1) for line in output.read_text().splitlines())
            for key, value in found.items():
                self.context[f"steps.{step.get('id')}.outputs.{key}"] = value
            if proc.returncode:
                break
        return ran

    def gh_calls(self) -> list[dict]:
        """Return the calls the action made to GitHub's API."""
        log = Path(self.env["GH_LOG"])
        return json.loads(log.read_text()) if log.exists() else []


def pr_workspace(tmp_path: Path) -> tuple[Path, Path]:
    """Return a checkout whose lineage gained a run, and the base branch's built site."""
    workspace = tmp_path / "work"
    project = Path(shutil.copytree(SMALL, workspace / "lineage"))
    base = tmp_path / "base-site"
    built = subprocess.run(
        [sys.executable, "-m", "lineage_report", "build", project, "-o", base, "-q"],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert built.returncode == 0
    (project / "runs" / "zz-new.json").write_text(json.dumps(manifest("added-in-this-pr", 30)))
    return workspace, base


def test_the_action_builds_snapshots_and_comments_the_diff(tmp_path, runner_python):
    workspace, base = pr_workspace(tmp_path)
    runner = Runner(
        runner_python,
        workspace,
        "pull_request",
        {"source": "lineage", "diff-against": str(base), "snapshot": "audit.zip"},
    )
    ran = runner.run()
    assert [(name, code) for name, code, _ in ran] == [
        ("Install lineage-report", 0),
        ("Build the site", 0),
        ("Write the audit snapshot", 0),
        ("Compare the lineage with the base", 0),
        ("Post the diff on the pull request", 0),
        ("Fail on the conditions asked for", 0),
    ], ran
    assert (workspace / "site" / "index.html").is_file()
    assert runner.context["steps.build.outputs.site"] == "site"
    assert (workspace / "audit.zip").is_file()
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", runner.context["steps.snapshot.outputs.digest"])
    report = Path(runner.context["steps.diff.outputs.report"]).read_text()
    assert "added-in-this-pr" in report
    assert report in (tmp_path / "summary.md").read_text()
    listing, post = runner.gh_calls()
    assert listing["args"][:2] == ["api", "repos/octo/models/issues/7/comments"]
    assert post["args"][:4] == ["api", "--method", "POST", "repos/octo/models/issues/7/comments"]
    assert post["body"] == "<!-- lineage-report-diff -->\n" + report
    assert "posted a comment on #7" in ran[4][2]


def test_a_second_push_updates_the_one_comment(tmp_path, runner_python):
    workspace, base = pr_workspace(tmp_path)
    runner = Runner(runner_python, workspace, "pull_request", {"source": "lineage"})
    runner.context["inputs.diff-against"] = str(base)
    runner.env["GH_EXISTING"] = "123456"
    assert [code for _, code, _ in runner.run()] == [0] * 6
    calls = runner.gh_calls()
    assert calls[-1]["args"][:4] == [
        "api",
        "--method",
        "PATCH",
        "repos/octo/models/issues/comments/123456",
    ]


def test_fail_on_fails_the_job_after_the_comment(tmp_path, runner_python):
    workspace, base = pr_workspace(tmp_path)
    inputs = {"source": "lineage", "diff-against": str(base), "fail-on": "added"}
    runner = Runner(runner_python, workspace, "pull_request", inputs)
    ran = runner.run()
    assert [code for _, code, _ in ran] == [0, 0, 0, 0, 0, 1]
    assert ran[-1][2].startswith("lineage diff: ")
    assert [c["args"][2] for c in runner.gh_calls() if "--method" in c["args"]] == ["POST"]


def test_on_a_push_the_action_builds_and_posts_nothing(tmp_path, runner_python):
    workspace, _ = pr_workspace(tmp_path)
    (workspace / "lineage" / "runs" / "broken.json").write_text("{")
    runner = Runner(runner_python, workspace, "push", {"source": "lineage", "strict": "true"})
    ran = runner.run()
    assert [code for _, code, _ in ran] == [0, 1]  # a broken manifest fails a strict build
    assert "(--strict)" in ran[-1][2]
    assert (workspace / "site" / "index.html").is_file()  # written all the same
    assert runner.gh_calls() == []
