"""Write: the one writer of the output folder.

Every file goes through `Writer.write`, which refuses paths outside the folder and any
path written twice in one build (two nodes claiming one page would be a naming bug).
A build writes into a fresh folder beside the output and swaps it in at the end, so an
interrupted or failed build leaves the previous site as it was.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path, PurePosixPath

from .errors import BuildError

MARKER = "lineage.json"  # every site has it; a folder without it is not ours to replace


class Writer:
    """Writes files into a staging folder; `commit()` swaps it in for the output folder."""

    def __init__(self, output: Path):
        self.output = output.resolve()
        foreign = self.output.is_dir() and not (self.output / MARKER).is_file()
        if foreign and any(self.output.iterdir()):
            raise BuildError(
                    f"{output} exists and is not a lineage-report site (no {MARKER}); "
                    "remove it or choose another output folder"
                )
        self.staging = self.output.with_name(f".{self.output.name}.building")
        if self.staging.exists():
            shutil.rmtree(self.staging)
        self.staging.mkdir(parents=True)
        self.written: set[str] = set()
        self._made: set[Path] = {self.staging}

    def target(self, path: str) -> Path:
        """Return where a site path goes, refusing anything that would leave the folder."""
        pure = PurePosixPath(path)
        if pure.is_absolute() or ".." in pure.parts or not pure.parts or "\\" in path:
            raise BuildError(f"refusing to write outside the output folder: {path!r}")
        if path in self.written:
            raise BuildError(f"two pages would be written to {path}")
        self.written.add(path)
        return self.staging.joinpath(*pure.parts)

    def write(self, path: str, content: str | bytes) -> int:
        """Write one file; return its size in bytes."""
        data = content.encode("utf-8") if isinstance(content, str) else content
        target = self.target(path)
        if target.parent not in self._made:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._made.add(target.parent)
        with open(target, "wb") as f:
            f.write(data)
        return len(data)

    def commit(self, keep: list[str]) -> None:
        """Swap the staging folder in for the output, carrying over the files in `keep`."""
        for name in keep:
            old = self.output / name
            if old.is_file() and name not in self.written:
                self.write(name, old.read_bytes())
        retired = self.output.with_name(f".{self.output.name}.old")
        if retired.exists():
            shutil.rmtree(retired)
        if self.output.exists():
            os.replace(self.output, retired)
        os.replace(self.staging, self.output)
        shutil.rmtree(retired, ignore_errors=True)

    def abort(self) -> None:
        """Throw the staging folder away, leaving the output as it was."""
        shutil.rmtree(self.staging, ignore_errors=True)
