"""How long `verify` spends on a zip bomb and on an honest snapshot, against a floor.

The bomb is the overlapping-entries zip of tests/test_snapshot.py (David Fifield's style):
250 entries that would each inflate to 256 MiB, 62.5 GiB in all, from 0.31 MB. Its floor is
reading the zip once and hashing it, the least any check of it must do. The honest zip is the
sample project's snapshot; its floor is what the straightforward check does (zipfile inflating
and hashing every entry), so the ratio is the price of reading entries the careful way.
Results go to benchmarks/VERIFY.md.

Usage: `python -m benchmarks.verify_zip [--repeat N]`.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import platform
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from lineage_report import snapshot
from lineage_report.config import load_config
from tests.test_snapshot import overlap_bomb

HERE = Path(__file__).parent
SAMPLE = HERE.parent / "sample_project"
ENTRIES, KERNEL = 250, 256 << 20


def best(repeat: int, work) -> float:
    """Return the fastest of `repeat` runs of `work`, in seconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def hash_file(path: Path) -> None:
    """Read a file once and hash it: the floor of any check of it."""
    hashlib.sha256(path.read_bytes()).hexdigest()


def hash_entries(path: Path) -> None:
    """Inflate and hash every entry with zipfile: the straightforward check."""
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            hashlib.sha256(archive.read(info)).hexdigest()


def one_bomb_entry(path: Path) -> None:
    """Inflate and hash the bomb's last entry (the kernel alone), as the old verify did each."""
    with zipfile.ZipFile(path) as archive:
        entry = archive.open(archive.infolist()[-2])
        with entry, contextlib.suppress(zipfile.BadZipFile):  # CRC 0: found bad at the end
            snapshot.hash_stream(entry.read)


def measure(repeat: int, folder: Path) -> list[tuple[str, str, str, str]]:
    """Return rows: what, verify seconds, floor seconds, ratio."""
    bomb = folder / "bomb.zip"
    overlap_bomb(bomb, [f"site/p{i:03d}.html" for i in range(ENTRIES)], KERNEL)
    audit = snapshot.make_snapshot(load_config(SAMPLE), folder / "audit.zip").path
    rows = []
    for what, path, floor in (("bomb", bomb, hash_file), ("sample snapshot", audit, hash_entries)):
        ours = best(repeat, lambda path=path: snapshot.verify(path))
        base = best(repeat, lambda path=path, floor=floor: floor(path))
        size = f"{path.stat().st_size / 1e6:.2f} MB"
        times = f"{ours * 1000:.1f}", f"{base * 1000:.1f}", f"{ours / base:.1f}×"
        rows.append((f"{what} ({size})", *times))
    entry = best(1, lambda: one_bomb_entry(bomb))
    rows.append((f"one bomb entry inflated ({KERNEL >> 20} MiB)", f"{entry * 1000:.0f}", "", ""))
    return rows


def main() -> None:
    """Measure and write benchmarks/VERIFY.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lr-verify-") as tmp:
        rows = measure(args.repeat, Path(tmp))
    table = ["| zip | verify ms | floor ms | verify/floor |", "|---|---|---|---|"]
    table += ["| " + " | ".join(row) + " |" for row in rows]
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = (
        "# verify on crafted and honest zips\n\n"
        f"Written by `python -m benchmarks.verify_zip` ({stamp}, Python "
        f"{platform.python_version()}, fastest of {args.repeat}). Floors: the bomb's is one "
        "read and SHA-256 of the zip file; the snapshot's is zipfile inflating and hashing "
        "every entry.\n\n" + "\n".join(table) + "\n"
    )
    (HERE / "VERIFY.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
