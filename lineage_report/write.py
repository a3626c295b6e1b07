"""Write: the one writer of the output folder.

Every file goes through `Writer`, which refuses paths outside the folder and any path
claimed twice in one build (two nodes claiming one page would be a naming bug).
A full build writes into a fresh folder beside the output and swaps it in at the end,
so an interrupted or failed build leaves the previous site as it was. An incremental
build rewrites only changed files in place, each one atomically (temp file + rename),
and removes the status file first so that an interrupted one is followed by a full build.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path, PurePosixPath

from .errors import BuildError

MARKER = "lineage.json"  # every site has it; a folder without it is not ours to replace


class Writer:
    """Writes the files of one build and then makes them the output folder."""

    def __init__(self, output: Path, incremental: bool = False):
        self.output = output.resolve()
        foreign = self.output.is_dir() and not (self.output / MARKER).is_file()
        if foreign and any(self.output.iterdir()):
            raise BuildError(
                f"{output} exists and is not a lineage-report site (no {MARKER}); "
                "remove it or choose another output folder"
            )
        self.incremental = incremental
        self._lock = lock_output(self.output)
        self.staging = self.output.with_name(f".{self.output.name}.building")
        self.root = self.output if incremental else self.staging
        if not incremental:
            if self.staging.exists():
                shutil.rmtree(self.staging)
            self.staging.mkdir(parents=True)
        self.claimed: set[str] = set()
        self.written: dict[str, int] = {}  # path -> bytes, of the files this build wrote
        self._root = str(self.root)
        self._made: set[str] = {self._root}

    def claim(self, path: str) -> None:
        """Reserve a site path for this build, refusing anything that would leave the folder."""
        parts = path.split("/")
        if not path or path.startswith("/") or "\\" in path or {"", ".", ".."} & set(parts):
            raise BuildError(f"refusing to write outside the output folder: {path!r}")
        if path in self.claimed:
            raise BuildError(f"two pages would be written to {path}")
        self.claimed.add(path)

    def put(self, path: str, data: bytes) -> None:
        """Write the bytes of a claimed path (workers call this after the parent claimed)."""
        # Plain strings, not Path objects: this runs once per page. `claim` checked the path.
        folder, _, name = path.rpartition("/")
        parent = os.path.join(self._root, folder) if folder else self._root
        if parent not in self._made:
            os.makedirs(parent, exist_ok=True)
            self._made.add(parent)
        target = os.path.join(parent, name)
        if self.incremental:
            temp = os.path.join(parent, f".{name}.{os.getpid()}.tmp")
            with open(temp, "wb") as f:
                f.write(data)
            os.replace(temp, target)
        else:
            with open(target, "wb") as f:
                f.write(data)
        self.written[path] = len(data)

    def write(self, path: str, content: str | bytes) -> int:
        """Claim and write one file; return its size in bytes."""
        data = content.encode("utf-8") if isinstance(content, str) else content
        self.claim(path)
        self.put(path, data)
        return len(data)

    def unchanged(self, path: str, data: bytes) -> bool:
        """Tell whether an incremental build would write exactly what is already there."""
        if not self.incremental:
            return False
        target = self.root.joinpath(*PurePosixPath(path).parts)
        try:
            return target.stat().st_size == len(data) and target.read_bytes() == data
        except OSError:
            return False

    def commit(self, keep: list[str]) -> None:
        """Make this build's files the output folder; other files go unless listed in `keep`."""
        if self.incremental:
            self._remove_unclaimed(set(keep))
            self._unlock()
            return
        for name in keep:
            old = self.output / name
            if old.is_file() and name not in self.claimed:
                self.write(name, old.read_bytes())
        retired = self.output.with_name(f".{self.output.name}.old")
        if retired.exists():
            shutil.rmtree(retired)
        if self.output.exists():
            os.replace(self.output, retired)
        os.replace(self.staging, self.output)
        shutil.rmtree(retired, ignore_errors=True)
        self._unlock()

    def _remove_unclaimed(self, keep: set[str]) -> None:
        """Delete files this build did not claim (pages of nodes that are gone)."""
        for folder, _dirs, names in os.walk(self.output):
            rel_folder = Path(folder).relative_to(self.output).as_posix()
            for name in names:
                rel = name if rel_folder == "." else f"{rel_folder}/{name}"
                if rel not in self.claimed and rel not in keep:
                    os.remove(os.path.join(folder, name))

    def abort(self) -> None:
        """Throw the staging folder away, leaving the output as it was."""
        if not self.incremental:
            shutil.rmtree(self.staging, ignore_errors=True)
        self._unlock()

    def _unlock(self) -> None:
        """Let the next build of this output start."""
        if self._lock is not None:
            Path(self._lock.name).unlink(missing_ok=True)
            self._lock.close()
            self._lock = None


def lock_output(output: Path):
    """Hold a lock beside the output folder, so two builds never write it at once."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; builds of one folder must not overlap
        return None
    output.parent.mkdir(parents=True, exist_ok=True)
    handle = open(output.with_name(f".{output.name}.lock"), "w")  # noqa: SIM115 (held open)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise BuildError(f"another build is writing {output}; try again when it is done") from None
    return handle
