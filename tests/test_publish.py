"""Builds you can trust: atomic, incremental, reproducible; GitHub Pages; theme overrides."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lineage_report import naming
from lineage_report.build import build
from lineage_report.config import load_config
from lineage_report.errors import BuildError
from tests.conftest import ROOT, SAMPLE, SMALL
from tests.factories import art, manifest, write_project


def copy_project(source: Path, tmp_path: Path) -> Path:
    """Copy a project so a test can change it."""
    return Path(shutil.copytree(source, tmp_path / "project"))


def use_overrides(project: Path) -> None:
    """Point the project's theme.custom_dir at its `overrides` folder."""
    config = project / "lineage-report.toml"
    config.write_text(config.read_text() + '\n[theme]\ncustom_dir = "overrides"\n')


def files_of(site: Path) -> dict[str, bytes]:
    """Return every file of a site with its bytes."""
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def test_failed_build_leaves_the_previous_site_intact(tmp_path):
    project = copy_project(SMALL, tmp_path)
    out = tmp_path / "site"
    build(load_config(project), out)
    before = files_of(out)
    custom = project / "overrides"
    custom.mkdir()
    (custom / "run.html").write_text(
        "{% extends 'base.html' %}{% block content %}{{ page.no_such_field }}{% endblock %}"
    )
    use_overrides(project)
    with pytest.raises(BuildError, match=r"error rendering runs/.*\.html for node 'run:"):
        build(load_config(project), out)
    assert files_of(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project", "site"]  # no staging left


def test_foreign_files_are_kept_when_listed_and_refused_otherwise(tmp_path):
    """A build never deletes a file it did not write: listed in keep_files, it is kept;
    any other stops the build, which names it (--force builds beside it, keeping it)."""
    project = copy_project(SMALL, tmp_path)
    out = tmp_path / "site"
    build(load_config(project), out)
    (out / "CNAME").write_text("lineage.example.org\n")
    (out / "notes.txt").write_text("scratch")
    config = load_config(project)
    config.keep_files = ["CNAME"]
    with pytest.raises(BuildError, match="holds 1 file lineage-report did not write .'notes.txt'"):
        build(config, out)
    assert (out / "notes.txt").read_text() == "scratch"
    build(config, out, force=True)
    assert (out / "CNAME").read_text() == "lineage.example.org\n"
    assert (out / "notes.txt").read_text() == "scratch"
    assert (out / "index.html").is_file()


def test_incremental_build_rewrites_only_what_changed(tmp_path):
    project = write_project(
        tmp_path / "p",
        {
            "a.json": manifest("up", 0, job_type="upload", logged=[art("raw")]),
            "b.json": manifest(
                "prep", 10, job_type="prep", used=["raw:latest"], logged=[art("clean")]
            ),
            "c.json": manifest("other", 20, job_type="upload", logged=[art("unrelated")]),
        },
    )
    out = tmp_path / "site"
    first = build(load_config(project), out)
    assert not first.incremental
    again = build(load_config(project), out)
    assert again.incremental
    assert again.written == [".lineage-report-status.json"]  # nothing else changed
    doc = manifest("other", 20, job_type="upload", logged=[art("unrelated")], notes="New *notes*")
    (project / "c.json").write_text(json.dumps(doc))
    changed = build(load_config(project), out)
    assert changed.incremental
    assert changed.written == sorted(
        [
            ".lineage-report-status.json",
            "index.html",  # the inputs digest changed
            "lineage.json",
            naming.node_path("run:other"),
        ]
    )
    assert "<em>notes</em>" in (out / naming.node_path("run:other")).read_text()
    assert files_of(out) == files_of_full_build(project, tmp_path)


def files_of_full_build(project: Path, tmp_path: Path) -> dict[str, bytes]:
    """Build from scratch into a new folder and return its files (incremental must match)."""
    fresh = tmp_path / "fresh"
    build(load_config(project), fresh)
    return files_of(fresh)


def test_incremental_build_follows_renames_and_removals(tmp_path):
    project = write_project(
        tmp_path / "p",
        {
            "a.json": manifest("up", 0, logged=[art("raw")]),
            "b.json": manifest("prep", 10, used=["raw:latest"], logged=[art("clean")]),
        },
    )
    out = tmp_path / "site"
    build(load_config(project), out)
    (project / "a.json").write_text(
        json.dumps(manifest("up", 0, logged=[art("raw", content="2")], name="renamed-upload"))
    )
    (project / "b.json").unlink()
    result = build(load_config(project), out)
    assert result.incremental
    assert not (out / naming.node_path("run:prep")).exists()
    assert not (out / naming.node_path("artifact:clean:v0")).exists()
    assert "renamed-upload" in (out / naming.node_path("artifact:raw:v0")).read_text()
    assert files_of(out) == files_of_full_build(project, tmp_path)


def test_a_theme_change_rebuilds_every_page(tmp_path):
    project = copy_project(SMALL, tmp_path)
    out = tmp_path / "site"
    build(load_config(project), out)
    config = load_config(project)
    custom = tmp_path / "custom"
    custom.mkdir()
    (custom / "base.html").write_text(
        (Path(__file__).parent.parent / "themes/default/base.html")
        .read_text()
        .replace("Made by", "Published by")
    )
    config.theme_custom_dir = custom
    result = build(config, out)
    assert not result.incremental
    assert all("Published by" in p.read_text() for p in out.rglob("*.html"))


def test_source_date_epoch_sets_the_report_time(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    build(load_config(SMALL), tmp_path / "site")
    index = (tmp_path / "site" / "index.html").read_text()
    assert "2026-09-21 14:13:20 UTC" in index
    assert json.loads((tmp_path / "site" / "lineage.json").read_text())["report_time"] == (
        "2026-09-21T14:13:20Z"
    )


def test_base_url_gives_canonical_links_sitemap_and_a_404_that_works_in_a_subpath(tmp_path):
    config = load_config(SAMPLE, base_url="https://me.github.io/mnist/")
    out = tmp_path / "site"
    build(config, out)
    sitemap = (out / "sitemap.xml").read_text()
    assert "<loc>https://me.github.io/mnist/index.html</loc>" in sitemap
    assert "404.html" not in sitemap
    assert sitemap.count("<loc>") == len([p for p in out.rglob("*.html")]) - 1
    version = next((out / "versions").glob("mnist-cnn-v6-*.html"))
    rel = version.relative_to(out).as_posix()
    assert f'<link rel="canonical" href="https://me.github.io/mnist/{rel}">' in version.read_text()
    not_found = (out / "404.html").read_text()
    assert '<base href="https://me.github.io/mnist/">' in not_found
    assert 'href="index.html"' in not_found  # resolved against the base, at any depth
    assert (out / ".nojekyll").exists()


def test_no_base_url_no_sitemap_but_always_nojekyll(tmp_path):
    build(load_config(SMALL), tmp_path / "site")
    assert not (tmp_path / "site" / "sitemap.xml").exists()
    assert (tmp_path / "site" / ".nojekyll").read_bytes() == b""
    assert "<base " not in (tmp_path / "site" / "404.html").read_text()


def test_theme_custom_dir_overrides_a_block_and_adds_css(tmp_path):
    project = copy_project(SMALL, tmp_path)
    overrides = project / "overrides"
    (overrides / "assets").mkdir(parents=True)
    (overrides / "assets" / "extra.css").write_text("body { letter-spacing: .01em; }\n")
    (overrides / "version.html").write_text(
        '{% extends "default/version.html" %}'
        "{% block footer %}Audited by the ML platform team · {{ super() }}{% endblock %}"
    )
    use_overrides(project)
    out = tmp_path / "site"
    build(load_config(project), out)
    page = next((out / "versions").glob("*.html")).read_text()
    assert "Audited by the ML platform team · Made by lineage-report" in page
    css = [p.name for p in (out / "assets").glob("extra.*.css")]
    assert len(css) == 1 and f'href="../assets/{css[0]}"' in page
    run_page = next((out / "runs").glob("*.html")).read_text()
    assert "Audited by" not in run_page and f"assets/{css[0]}" in run_page


def test_an_override_written_for_an_older_default_theme_still_builds(tmp_path):
    # Copies of index.html, version.html and partials/macros.html from before their lists
    # became Cuts (review of ca2eec2): they iterate and count them as plain lists.
    project = copy_project(SMALL, tmp_path)
    shutil.copytree(ROOT / "tests" / "old_theme", project / "overrides")
    use_overrides(project)
    out = tmp_path / "site"
    build(load_config(project), out)
    index = (out / "index.html").read_text().replace("<wbr>", "")
    recent = index.split("<h2>Recent runs</h2>")[1]
    assert recent.count('<tr class="run">') == 5 and "calm-river-1" in recent
    page = next((out / "versions").glob("corpus-v0-*.html")).read_text()
    assert "<h3>References</h3>" in page
    assert "<td>s3://example-bucket/corpus/2026-01-05.tar<td>61440" in page


def test_two_builds_never_write_one_folder_at_once(tmp_path):
    from lineage_report.write import lock_output

    out = tmp_path / "site"
    held = lock_output(out.resolve())
    try:
        with pytest.raises(BuildError, match="another build is writing .*site; try again"):
            build(load_config(SMALL), out)
    finally:
        held.close()
    build(load_config(SMALL), out)  # once the other build is done, this one goes ahead
    assert (out / "index.html").is_file()


def test_incremental_type_pages_follow_new_members_and_new_times(tmp_path):
    runs = {f"r{i}.json": manifest(f"r{i}", i, job_type="train") for i in range(6)}
    project = write_project(tmp_path / "p", runs)
    out = tmp_path / "site"
    build(load_config(project), out)
    (project / "r0.json").write_text(json.dumps(manifest("r0", 99, job_type="train")))
    (project / "r9.json").write_text(json.dumps(manifest("r9", 50, job_type="train")))
    result = build(load_config(project), out)
    assert result.incremental
    assert naming.job_type_path("train") in result.written
    assert files_of(out) == files_of_full_build(project, tmp_path)


@pytest.mark.parametrize(
    "path", ["../x.html", "/etc/x", "a//b.html", "a/./b.html", "a\\b", "", "a/../../b.html"]
)
def test_the_writer_refuses_paths_that_leave_the_output(tmp_path, path):
    from lineage_report.write import Writer

    writer = Writer(tmp_path / "site")
    try:
        with pytest.raises(BuildError, match="refusing to write outside the output folder"):
            writer.write(path, b"x")
    finally:
        writer.abort()
    assert sorted(p.name for p in tmp_path.iterdir()) == []
