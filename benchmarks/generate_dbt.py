"""Generate a big dbt target/ folder (manifest.json, run_results.json) deterministically.

The manifest is shaped like dbt 1.8's (schema v12): models with columns, code and config,
two tests per model, a few sources, exposures and metrics, dbt's own macros, and the
parent and child maps. 10,000 models give a manifest of about 44 MB, the size of a large
real project's; the reader's memory is measured on it (benchmarks/README.md).

Usage: `python -m benchmarks.generate_dbt OUT --models N [--seed S]`.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

SCHEMA = "https://schemas.getdbt.com/dbt/manifest/v12.json"
CONFIG = {
    "enabled": True,
    "alias": None,
    "schema": None,
    "database": None,
    "tags": [],
    "meta": {},
    "group": None,
    "materialized": "table",
    "incremental_strategy": None,
    "persist_docs": {},
    "post-hook": [],
    "pre-hook": [],
    "quoting": {},
    "column_types": {},
    "full_refresh": None,
    "unique_key": None,
    "on_schema_change": "ignore",
    "on_configuration_change": "apply",
    "grants": {},
    "packages": [],
    "docs": {"show": True, "node_color": None},
    "contract": {"enforced": False, "alias_types": True},
    "access": "protected",
}


def column(rng: random.Random, k: int) -> dict:
    """Return one documented column."""
    name = f"col_{k}"
    return {
        "name": name,
        "description": f"Column {k}: " + " ".join(rng.choice(WORDS) for _ in range(8)),
        "meta": {},
        "data_type": rng.choice(["integer", "text", "timestamp", "numeric"]),
        "constraints": [],
        "quote": None,
        "tags": [],
    }


WORDS = ["order", "customer", "payment", "amount", "status", "date", "total", "first", "last"]


def model(rng: random.Random, i: int, parents: list[str]) -> dict:
    """Return one model node reading its parents."""
    name = f"model_{i:05d}"
    refs = [p.split(".")[-1] for p in parents]
    raw = "select\n" + ",\n".join(f"    col_{k}" for k in range(6))
    raw += "\nfrom " + " join ".join("{{ ref('" + r + "') }}" for r in refs or ["raw"])
    compiled = raw.replace("{{ ref('", '"db"."analytics"."').replace("') }}", '"')
    return {
        "database": "db",
        "schema": "analytics",
        "name": name,
        "resource_type": "model",
        "package_name": "big",
        "path": f"marts/{name}.sql",
        "original_file_path": f"models/marts/{name}.sql",
        "unique_id": f"model.big.{name}",
        "fqn": ["big", "marts", name],
        "alias": name,
        "checksum": {"name": "sha256", "checksum": f"{rng.getrandbits(256):064x}"},
        "config": dict(CONFIG),
        "tags": [],
        "description": "A generated model. " + " ".join(rng.choice(WORDS) for _ in range(15)),
        "columns": {f"col_{k}": column(rng, k) for k in range(6)},
        "meta": {},
        "group": None,
        "docs": {"show": True, "node_color": None},
        "patch_path": "big://models/marts/schema.yml",
        "build_path": None,
        "unrendered_config": {"materialized": "table"},
        "created_at": 1700000000.0 + i,
        "relation_name": f'"db"."analytics"."{name}"',
        "raw_code": raw,
        "language": "sql",
        "refs": [{"name": r, "package": None, "version": None} for r in refs],
        "sources": [],
        "metrics": [],
        "depends_on": {"macros": [], "nodes": parents},
        "compiled_path": f"target/compiled/big/models/marts/{name}.sql",
        "compiled": True,
        "compiled_code": compiled,
        "extra_ctes_injected": True,
        "extra_ctes": [],
        "contract": {"enforced": False, "alias_types": True, "checksum": None},
        "access": "protected",
        "constraints": [],
        "version": None,
        "latest_version": None,
        "deprecation_date": None,
    }


def test(uid: str, kind: str, col: str) -> dict:
    """Return one generic test of a model's column."""
    name = f"{kind}_{uid.split('.')[-1]}_{col}"
    return {
        "name": name,
        "resource_type": "test",
        "unique_id": f"test.big.{name}",
        "package_name": "big",
        "attached_node": uid,
        "column_name": col,
        "test_metadata": {"name": kind, "kwargs": {"column_name": col}, "namespace": None},
        "depends_on": {"macros": [f"macro.dbt.test_{kind}"], "nodes": [uid]},
        "config": {"enabled": True, "severity": "ERROR", "materialized": "test"},
        "raw_code": "{{ test_" + kind + "(**_dbt_generic_test_kwargs) }}",
        "fqn": ["big", name],
        "tags": [],
    }


def manifest(models: int, seed: int) -> tuple[dict, dict]:
    """Return (manifest, run_results) of a `dbt build` of `models` models."""
    rng = random.Random(seed)
    nodes, results = {}, []
    for i in range(models):
        parents = sorted({f"model.big.model_{rng.randrange(i):05d}" for _ in range(2)}) if i else []
        node = model(rng, i, parents)
        nodes[node["unique_id"]] = node
        for kind in ("unique", "not_null"):
            t = test(node["unique_id"], kind, "col_0")
            nodes[t["unique_id"]] = t
    for uid in nodes:
        status = "success" if uid.startswith("model.") else "pass"
        results.append({"unique_id": uid, "status": status, "timing": [], "message": "OK"})
    macros = {
        f"macro.dbt.m_{k}": {"name": f"m_{k}", "macro_sql": "{% macro x() %}" + "-" * 900}
        for k in range(500)
    }
    parent_map = {u: n["depends_on"]["nodes"] for u, n in nodes.items()}
    child_map: dict[str, list[str]] = {u: [] for u in nodes}
    for u, parents in parent_map.items():
        for p in parents:
            child_map[p].append(u)
    metadata = {"dbt_schema_version": SCHEMA, "invocation_id": "big-1", "project_name": "big"}
    data = {
        "metadata": metadata,
        "nodes": nodes,
        "sources": {},
        "macros": macros,
        "docs": {},
        "exposures": {},
        "metrics": {},
        "parent_map": parent_map,
        "child_map": child_map,
    }
    run_results = {"metadata": {"invocation_id": "big-1"}, "results": results}
    return data, run_results


def main() -> None:
    """Write OUT/target/manifest.json and run_results.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--models", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    write_target(args.out, args.models, args.seed)


def write_target(project: Path, models: int, seed: int = 1) -> Path:
    """Write a project's target/manifest.json and run_results.json; return the project."""
    data, run_results = manifest(models, seed)
    target = project / "target"
    target.mkdir(parents=True, exist_ok=True)
    (target / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    (target / "run_results.json").write_text(json.dumps(run_results), encoding="utf-8")
    return project


if __name__ == "__main__":
    main()
