"""Write: the one writer of the output folder, and its guard.

A folder is a site of ours only when it holds the status file (naming.STATUS_NAME) of a
known format; the files that status lists are the only ones a build may replace or
delete. A build refuses an output that is a file, the project folder itself or a folder
containing it, and one that holds files the tool did not write, unless they are listed
in `keep_files` or the build is forced (`--force`); either way those files are kept.

Every build writes into a staging folder beside the output (`.NAME.building`), so an
interrupted or failed build leaves the previous site as it was:
- a full build stages the whole site, carries the kept files in (hard links), and swaps
  the two folders in one atomic exchange (renameat2 on Linux; two renames elsewhere);
- an incremental build stages the files it wrote and hard-links the pages it keeps from
  the last site (pages of nodes that are gone are left behind), then swaps the same way.
Every path of a site is claimed through `Writer.claim`, which refuses paths outside the
folder and any path claimed twice in one build (two nodes claiming one page would be a
naming bug). Claiming and writing are apart: `build` claims every page first, and the bytes
come later through `put`, which checks nothing more, from this process or from the forked
workers of `crew`, each holding a copy of the Writer (so the parent's `written` learns their
pages from their results). Site-wide files are claimed and written at once (`write`); a
claimed path an incremental build did not write is a page it keeps from the last site. The
diff report and snapshots are not sites: they write their own files, each in one step
(`atomic_file`, `atomic_write`).
"""

from __future__ import annotations

import copy
import ctypes
import errno
import logging
import os
import shutil
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import msgspec

from . import formats
from .errors import BuildError, LineageReportError
from .naming import STATUS_NAME

STAGING_MARK = ".lineage-report-building"  # in a staging folder from its first moment
LOCK_TEXT = b"lineage-report build lock\n"
EXAMPLES = 3  # foreign files named in a refusal

Encode = Callable[[Any], bytes]  # a JSON encoder's encode (msgspec)

log = logging.getLogger("lineage_report")


class SiteStatus(msgspec.Struct):
    """The part of a status file that says a folder is ours: its format and its files.
    Every status format keeps these two fields (status.Status)."""

    format: int
    files: list[str]


def read_site_status(folder: Path) -> SiteStatus | None:
    """Return the ownership part of a folder's status file, or None when it has none."""
    try:
        data = status_json((folder / STATUS_NAME).read_bytes())
        status = msgspec.json.decode(data, type=SiteStatus)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        return None
    return status if status.format >= 1 else None


def status_json(data: bytes) -> bytes:
    """Return a status file's JSON: zlib-compressed since format 4, plain before (an older
    build's site is still ours). Bytes that are neither come back as they are, to fail."""
    if data.startswith(b"{"):
        return data
    try:
        return zlib.decompress(data)
    except zlib.error:
        return data


def json_object_pieces(fields: Iterable[tuple[str, Any]], encode: Encode) -> Iterator[bytes]:
    """Yield a JSON object a field at a time, as one `encode` of it writes it; a field whose
    value is an iterator of pieces (`json_array_pieces`) is written a piece at a time."""
    for i, (name, value) in enumerate(fields):
        yield (b"," if i else b"{") + encode(name) + b":"
        if isinstance(value, Iterator):
            yield from value
        else:
            yield encode(value)
    yield b"}"


def json_array_pieces(
    items: Sequence, chunk: Callable[[Sequence], bytes], size: int, brackets: bytes = b"[]"
) -> Iterator[bytes]:
    """Yield a long JSON array (or object, with `brackets` b"{}") `size` items at a time;
    `chunk` returns the JSON of some items, comma-separated. A big site's lineage.json and
    status are never whole in memory."""
    yield brackets[:1]
    for start in range(0, len(items), size):
        yield (b"," if start else b"") + chunk(items[start : start + size])
    yield brackets[1:]


class Rows(Sequence):
    """A long list (or, with `brackets` b"{}", a mapping's entries as pairs) made a chunk at
    a time as it is encoded: each row from its source by `make`. Whole, a full build's
    status rows took ~100 MB at 120k nodes beside what they are made from. `chunk` is how
    many rows to make at a time, when the rows are big (None: the encoder's choice)."""

    def __init__(
        self,
        sources: Sequence,
        make: Callable[[Any], Any],
        brackets: bytes = b"[]",
        chunk: int | None = None,
    ):
        self.sources, self.make, self.brackets, self.chunk = sources, make, brackets, chunk

    def __len__(self) -> int:
        return len(self.sources)

    def __getitem__(self, at: Any) -> Any:
        """Return one row, or a slice's rows as a list."""
        if isinstance(at, slice):
            return [self.make(source) for source in self.sources[at]]
        return self.make(self.sources[at])

    def pieces(self, encode: Encode, size: int) -> Iterator[bytes]:
        """Yield the JSON of the rows `size` at a time (`json_array_pieces`)."""
        if self.brackets == b"{}":
            return json_array_pieces(self, lambda rows: encode(dict(rows))[1:-1], size, b"{}")
        return json_array_pieces(self, lambda rows: encode(rows)[1:-1], size)


def inventory(folder: Path) -> tuple[set[str], set[str]]:
    """Return a folder's files (symlinks included, never followed) and its empty folders,
    as paths relative to it."""
    files: set[str] = set()
    empty: set[str] = set()
    for parent, dirs, names in os.walk(folder):
        rel = os.path.relpath(parent, folder).replace(os.sep, "/")
        prefix = "" if rel == "." else rel + "/"
        for name in dirs[:]:
            if os.path.islink(os.path.join(parent, name)):
                dirs.remove(name)  # a link to a folder is one entry, never walked
                names.append(name)
        files.update(prefix + name for name in names)
        if not dirs and not names and prefix:
            empty.add(rel)
    return files, empty


def is_kept(path: str, keep: list[str]) -> bool:
    """Tell whether a path is listed in `keep_files`, itself or through a listed folder."""
    return any(path == k or path.startswith(k.rstrip("/") + "/") for k in keep)


class OutputFolder:
    """An output folder a build may write: checked, locked and inventoried."""

    def __init__(
        self,
        output: Path,
        project: Path | None = None,
        keep: list[str] | None = None,
        force: bool = False,
    ):
        self.given = output
        self.path = output.resolve()
        self.staging = self.path.with_name(f".{self.path.name}.building")
        self.retired = self.path.with_name(f".{self.path.name}.old")
        check_place(output, self.path, project)
        self._lock = lock_output(self.path)
        try:
            for leftover in (self.staging, self.retired):
                clear_leftover(leftover, self.path)
            self._take_stock(list(keep or []), force)
        except BaseException:
            self.release()
            raise

    def _take_stock(self, keep: list[str], force: bool) -> None:
        """List the files of the last build and those to keep; refuse any other file."""
        files, empty = inventory(self.path) if self.path.is_dir() else (set(), set())
        status = read_site_status(self.path)
        if status is None and STATUS_NAME in files:
            raise BuildError(
                f"{self.given} has a damaged {STATUS_NAME}, so lineage-report cannot tell "
                "the files it wrote from yours, and it never deletes yours: delete the "
                "folder (or choose another) and build again"
            )
        listed = set(status.files) if status else set()
        self.owned = {p for p in files if p in listed or p in (STATUS_NAME, STAGING_MARK)}
        foreign = sorted(p for p in files - self.owned if not is_kept(p, keep))
        if foreign and not force:
            raise BuildError(refusal(self.given, foreign, status is not None))
        self.carried = sorted(files - self.owned)
        self.folders = sorted(empty)  # empty folders of the user's: kept too

    def has(self, path: str) -> bool:
        """Tell whether the last build wrote this file and it is still there."""
        return path in self.owned

    def release(self) -> None:
        """Let the next build of this output start."""
        if self._lock is not None:
            Path(self._lock.name).unlink(missing_ok=True)
            self._lock.close()
            self._lock = None


def check_place(given: Path, output: Path, project: Path | None) -> None:
    """Refuse an output that is a file, the project folder or a folder that contains it."""
    if output.exists() and not output.is_dir():
        raise BuildError(f"{given} is a file, not a folder; choose a folder for the site")
    if project is None:
        return
    project = project.resolve()
    if output == project:
        raise BuildError(
            f"{given} is the project folder itself: a build there would replace its "
            f"manifests; choose another output folder (default: {project / 'site'})"
        )
    if project.is_relative_to(output):
        raise BuildError(
            f"{given} contains the project folder {project}: a build there would replace "
            "it; choose an output folder outside it or inside the project"
        )


def some_files(paths: list[str]) -> tuple[str, str]:
    """Return how many files a message names ("2 files") and the first EXAMPLES of them
    ("'a', 'b' and 3 more")."""
    more = f" and {len(paths) - EXAMPLES:,} more" if len(paths) > EXAMPLES else ""
    return formats.plural(len(paths), "file"), ", ".join(map(repr, paths[:EXAMPLES])) + more


def refusal(given: Path, foreign: list[str], ours: bool) -> str:
    """Return the message that refuses an output holding files the tool did not write."""
    files, names = some_files(foreign)
    head = (
        f"{given} holds"
        if ours
        else f"{given} is not a lineage-report site (no status file) and holds"
    )
    return (
        f"{head} {files} lineage-report did not write ({names}); a build never "
        "deletes them: choose an empty or new folder, list them in keep_files, or pass "
        "--force to build beside them (they are kept)"
    )


def clear_leftover(folder: Path, output: Path) -> None:
    """Remove what an interrupted build left beside the output, and nothing of anyone else's."""
    if not os.path.lexists(folder):
        return
    if folder.is_symlink() or not folder.is_dir():
        raise BuildError(not_ours(folder))
    if (folder / STAGING_MARK).is_file():
        shutil.rmtree(folder)  # a staging folder: all ours (kept files are links to originals)
        return
    status = read_site_status(folder)
    if status is not None:  # an old site a killed build was removing after its swap
        files, folders = carried_twins(folder, output)
        remove_files(folder, set(status.files) | files | {STATUS_NAME}, folders)
        left = sorted(inventory(folder)[0])
        if left:
            raise BuildError(left_behind(folder, left))
    if any(folder.iterdir()):
        raise BuildError(not_ours(folder))
    folder.rmdir()


def carried_twins(old: Path, output: Path) -> tuple[set[str], list[str]]:
    """Return the kept files and empty folders of an old site that the live site carries
    too: a build killed while removing them left them, and the user's data lives on in the
    live site. Only files of the user's there (not its pages), at the same place (no folder
    on the way a link), that are the same: the same symlink, or the same bytes."""
    live = read_site_status(output)
    if live is None:  # killed between the two renames: the old site holds the originals
        return set(), []
    ours = set(live.files) | {STATUS_NAME, STAGING_MARK}
    files, empty = inventory(old)
    root = os.path.realpath(output)
    twins = {p for p in files - ours if in_place(root, p) and same_file(old / p, output / p)}
    return twins, sorted(p for p in empty if (output / p).is_dir())


def in_place(root: str, path: str) -> bool:
    """Tell whether a path under a real folder is there itself: no folder on its way is a
    link (a link into the old site would make each of its files its own twin)."""
    parent = os.path.join(root, *path.split("/")[:-1])
    return os.path.realpath(parent) == os.path.normpath(parent)


def same_file(a: Path, b: Path) -> bool:
    """Tell whether b holds what a holds: the same symlink, or a file with the same bytes
    (a hard link's too: a shared inode number is not proof on every file system)."""
    if a.is_symlink() or b.is_symlink():
        return a.is_symlink() and b.is_symlink() and os.readlink(a) == os.readlink(b)
    return a.is_file() and b.is_file() and same_bytes(a, b)


def same_bytes(a: Path, b: Path) -> bool:
    """Compare two files byte for byte (not filecmp, whose cache trusts sizes and times);
    a file that cannot be read is not the same."""
    try:
        if a.stat().st_size != b.stat().st_size:
            return False
        with open(a, "rb") as one, open(b, "rb") as other:
            while True:
                chunk = one.read(1 << 20)
                if chunk != other.read(1 << 20):
                    return False
                if not chunk:
                    return True
    except OSError:
        return False


def left_behind(folder: Path, files: list[str]) -> str:
    """Return the message for an old site that still holds files the live site lacks."""
    count, names = some_files(files)
    return (
        f"{folder} is what a stopped build left of the last site, and it holds {count} "
        f"the site beside it does not hold the same ({names}); a build never deletes "
        "them: move them where you want them, remove the folder and build again"
    )


def not_ours(folder: Path) -> str:
    """Return the message for a folder in the writer's way that lineage-report did not make."""
    return (
        f"{folder} exists and was not made by lineage-report; a build stages its site "
        "there: move it away and build again"
    )


def remove_files(folder: Path, paths: set[str], folders: list[str] = ()) -> None:
    """Delete the listed files of a folder, then the listed folders and those this leaves
    empty; a folder that still holds anything stays."""
    emptied = set(folders)
    # The status file last, after the folders too: it is what shows the folder is a site of
    # ours, so a build killed midway leaves either a folder the next build still recognises
    # and clears, or an empty one (empty subfolders without it were refused, issue 15).
    for path in sorted(paths - {STATUS_NAME}):
        if _remove(folder, path):
            emptied.add(path.rpartition("/")[0])
    for rel in sorted(emptied, key=lambda p: p.count("/"), reverse=True):
        parts = rel.split("/") if rel else []
        while parts:
            try:
                os.rmdir(os.path.join(folder, *parts))
            except OSError:  # not empty, or gone
                break
            parts.pop()
    if STATUS_NAME in paths:
        _remove(folder, STATUS_NAME)


def _remove(folder: Path, path: str) -> bool:
    """Delete one file of a folder; return False where the path is a folder (not ours to
    judge). A file already gone (an interrupted build removed it) counts as removed."""
    try:
        os.remove(os.path.join(folder, *path.split("/")))
    except IsADirectoryError:
        return False
    except FileNotFoundError:
        pass
    return True


class Writer:
    """Writes the files of one build into a staging folder, then makes them the output."""

    def __init__(self, output: Path | OutputFolder, incremental: bool = False):
        self.folder = output if isinstance(output, OutputFolder) else OutputFolder(output)
        self.output = self.folder.path
        self.incremental = incremental
        self.root = self.staging = self.folder.staging
        self.staging.mkdir(parents=True)
        (self.staging / STAGING_MARK).write_bytes(b"")
        self.claimed: set[str] = set()
        self.written: dict[str, int] = {}  # path -> bytes, of the files this build wrote
        self._root = str(self.root)
        self._made: set[str] = {self._root}
        self._kept: frozenset[str] = frozenset()  # being linked in from the last site
        self._linking: Future | None = None

    def part(self, folder: str) -> Writer:
        """Return a writer of one sub-site (a split site's part), staged in `folder` here.

        It records its own paths (split.merge hands them back); only this writer commits.
        """
        self.claim(folder)  # the folder's name obeys the rules of any path written here
        self.claimed.discard(folder)
        part = copy.copy(self)
        part.root = part.staging = self.root / folder
        part._root, part._made = str(part.root), set()
        part.claimed, part.written, part.incremental = set(), {}, False
        return part

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
        self.put_parts(path, (data,))

    def put_parts(self, path: str, parts: Iterable[bytes]) -> int:
        """Write a claimed path's bytes given in pieces, one after another; return its size."""
        # Plain strings, not Path objects: this runs once per page. `claim` checked the path.
        if path in self._kept:  # it is a link to the last site's file: never write through it
            raise BuildError(f"{path}: written after the build kept the last site's file")
        folder, _, name = path.rpartition("/")
        parent = os.path.join(self._root, folder) if folder else self._root
        if parent not in self._made:
            os.makedirs(parent, exist_ok=True)
            self._made.add(parent)
        size = 0
        with open(os.path.join(parent, name), "wb") as f:
            for part in parts:
                f.write(part)
                size += len(part)
        self.written[path] = size
        return size

    def write(self, path: str, content: str | bytes) -> int:
        """Claim and write one file; return its size in bytes."""
        data = content.encode("utf-8") if isinstance(content, str) else content
        self.claim(path)
        self.put(path, data)
        return len(data)

    def write_parts(self, path: str, parts: Iterable[bytes]) -> int:
        """Claim and write one file given in pieces (never whole in memory); return its size."""
        self.claim(path)
        return self.put_parts(path, parts)

    def has(self, path: str) -> bool:
        """Tell whether the last build's site holds this file (a rebuild may keep it)."""
        return self.folder.has(path)

    def unchanged(self, path: str, data: bytes) -> bool:
        """Tell whether an incremental build would write exactly what is already there."""
        if not self.incremental or not self.has(path):
            return False
        target = os.path.join(self.output, *path.split("/"))
        try:
            return os.path.getsize(target) == len(data) and Path(target).read_bytes() == data
        except OSError:
            return False

    def keep_the_rest(self) -> None:
        """Incremental: start bringing the last site's files that this build keeps (claimed,
        not written) into the staged site, on a thread; `commit` waits for it. A rebuild
        calls this before it writes its status, which the thread's 12,000 links at 10k nodes
        (80 ms, most of it in the kernel) then overlap. Only paths claimed after this may
        still be written."""
        if not self.incremental or self._linking is not None:
            return
        self._kept = frozenset(self.claimed.difference(self.written))
        pool = ThreadPoolExecutor(max_workers=1)
        self._linking = pool.submit(self._link_unchanged, sorted(self._kept))
        pool.shutdown(wait=False)  # its thread ends with the links

    def commit(self) -> None:
        """Make this build's files the output folder, keeping every file it did not write."""
        try:
            self.keep_the_rest()
            if self._linking is not None:
                self._linking.result()  # its error, if any, is the build's
            self._swap_in()
        finally:
            self.folder.release()

    def _link_unchanged(self, paths: list[str]) -> None:
        """Bring the last site's files that this build keeps into the staged site (hard
        links, no copy), so the rebuild is swapped in whole like a full build."""
        made, old = set(self._made), str(self.output)
        for path in paths:
            folder, _, name = path.rpartition("/")
            parent = os.path.join(self._root, folder) if folder else self._root
            if parent not in made:
                os.makedirs(parent, exist_ok=True)
                made.add(parent)
            # Plain strings and a bare link: this runs once per page kept (60,000 at 60k).
            os.link(os.path.join(old, path), os.path.join(parent, name))

    def _swap_in(self) -> None:
        """Carry the kept files into the staged site, then swap the folders (every build)."""
        self._refuse_clashes()
        for path in self.folder.carried:
            carry(self.output / path, self.staging / path)
        for path in self.folder.folders:
            (self.staging / path).mkdir(parents=True, exist_ok=True)
        if not self.output.exists():
            os.replace(self.staging, self.output)
            remove_files(self.output, {STAGING_MARK})
            return
        if exchange(self.staging, self.output):
            old = self.staging  # the previous site now sits where the staging folder was
        else:
            old = self.folder.retired
            os.replace(self.output, old)
            os.replace(self.staging, self.output)
        remove_files(self.output, {STAGING_MARK})
        # The old site's files and the links of the carried ones: their originals live on.
        remove_files(old, self.folder.owned | set(self.folder.carried), self.folder.folders)
        try:
            old.rmdir()
        except OSError:  # a file appeared in the old site during the build: never delete it
            log.warning("%s: files added during the build were left here", old)

    def _refuse_clashes(self) -> None:
        """Refuse to replace a kept file (or folder) with a file of the site."""
        folders = {p.rpartition("/")[0] for p in self.claimed}
        for path in self.folder.carried + self.folder.folders:
            parents = path.split("/")[:-1]
            above = ("/".join(parents[: i + 1]) for i in range(len(parents)))
            if path in self.claimed or path in folders or any(p in self.claimed for p in above):
                raise BuildError(
                    f"{self.folder.given / path} is a file of yours (kept) where the site "
                    "has one of its own; move it away and build again"
                )

    def abort(self) -> None:
        """Throw the staging folder away, leaving the output as it was."""
        if self._linking is not None:
            self._linking.exception()  # wait: it is still making links in the staging folder
        shutil.rmtree(self.staging, ignore_errors=True)
        self.folder.release()


def carry(source: Path, target: Path) -> None:
    """Bring a kept file into the new site: a hard link, a copy where links are not possible."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_symlink():
        os.symlink(os.readlink(source), target)
        return
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux renameat2); False where it cannot be done."""
    rename = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if rename is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    if rename(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    if ctypes.get_errno() in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False  # the file system cannot exchange: two renames instead
    raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()), str(b))


@contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """Yield a temporary file beside `path` that replaces it on success and goes on failure.

    A reader of `path` sees the old file or the new one, never a part. The file names the
    user gives (a snapshot's, a single file's) come from `-o`, hence the refusal's wording.
    """
    if path.is_dir():
        raise LineageReportError(f"{path} is a folder; give a file name with -o")
    path.parent.mkdir(parents=True, exist_ok=True)
    # The process id: two processes writing one file never share a temporary file.
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield temp
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def atomic_write(path: Path, data: bytes) -> None:
    """Replace a file in one step: a reader sees the old bytes or the new, never a mix."""
    with atomic_file(path) as temp:
        temp.write_bytes(data)


def lock_output(output: Path):
    """Hold a lock beside the output folder, so two builds never write it at once."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; builds of one folder must not overlap
        return None
    output.parent.mkdir(parents=True, exist_ok=True)
    path = output.with_name(f".{output.name}.lock")
    if path.is_symlink() or (path.exists() and not is_our_lock(path)):
        raise BuildError(f"{path} exists and is not lineage-report's lock; move it away")
    handle = open(path, "ab+")  # noqa: SIM115 (held open); "a": never truncate
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise BuildError(f"another build is writing {output}; try again when it is done") from None
    if handle.tell() == 0:
        handle.write(LOCK_TEXT)
        handle.flush()
    return handle


def is_our_lock(path: Path) -> bool:
    """Tell whether a lock file is one a build of ours left (empty or with our text)."""
    try:
        return path.is_file() and path.read_bytes() in (b"", LOCK_TEXT)
    except OSError:
        return False
