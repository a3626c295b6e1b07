"""Rendering pages on every core: this process and forked workers share one list of pages.

The pages are sorted so that neighbouring pages show neighbouring nodes, cut into chunks
and taken from both ends: workers from the front, this process from the back, until they
meet. So each process touches mostly its own part of the graph (a forked worker copies
every page of memory it touches, since reference counts write to it), the work balances
itself, and a build can start its workers before it has finished its own serial work.
Workers write the pages of a full build through the Writer they inherited (the parent
has claimed every path); an incremental build's pages come back to the parent, which
writes them once every page has rendered, so a failed render leaves the site as it was.
The member files pages name (graphview/members.py) always come back: each process sends a
file's bytes once, and the build writes each once (build.write_member_files).
"""

from __future__ import annotations

import ctypes
import gc
import hashlib
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from . import naming
from .errors import BuildError
from .render import Renderer
from .views import PageSpec, SiteViews
from .write import Writer

PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent dies
PARALLEL_FROM = 3_000  # pages; below this, forking workers costs more than it saves
CHUNK = 250  # pages per chunk: one task for a worker

PageRecord = tuple[str, list[str]]  # a page's digest and the nodes it showed


@dataclass
class RenderState:
    """What rendering a page needs: shared by this process and the (forked) workers."""

    views: SiteViews
    renderer: Renderer
    asset_urls: dict[str, str]
    writer: Writer
    base_url: str = ""
    member_files: tuple = ()  # the member files of the page rendered last (graphview.members)
    sent: set[str] = field(default_factory=set)  # those this process has returned already

    def render_chunk(self, chunk: list[PageSpec]) -> list:
        """Render a chunk of pages: (path, digest, deps, bytes to write later or None, size,
        member files as (path, bytes, or None when this process returned them before))."""
        out = []
        for spec in chunk:
            data = self.render(spec).encode("utf-8")
            deps = sorted(self.views.deps)
            digest = hashlib.blake2b(data, digest_size=10).hexdigest()
            files = self._new_files()
            if self.writer.incremental:
                out.append((spec.path, digest, deps, data, len(data), files))
            else:
                self.writer.put(spec.path, data)
                out.append((spec.path, digest, deps, None, len(data), files))
        # Rendering runs with the collector paused (its passes cost ~4% and found no cycles);
        # a young-generation pass per chunk still frees any a custom theme might make.
        gc.collect(0)
        return out

    def render(self, spec: PageSpec) -> str:
        """Render one page; a failure names the page and the manifest it came from."""
        urls = naming.PageUrls(spec.path)
        try:
            model = self.views.model(spec)
            self.member_files = getattr(getattr(model, "graph", None), "members", ())
            return self.renderer.render(
                spec.template,
                page=model,
                nav=nav(urls),
                root=urls.root,
                assets={k: urls.to(v) for k, v in self.asset_urls.items()},
                canonical=self.base_url + spec.path if self.base_url and spec.kind != "404" else "",
                base_href=self.base_url if spec.kind == "404" else "",
            )
        except BuildError:
            raise
        except Exception as exc:
            nodes = self.views.nodes
            source = nodes[spec.key]["source"] if spec.key in nodes else ""
            origin = f" (from {source})" if source else ""
            raise BuildError(
                f"error rendering {spec.path} for {spec.kind} '{spec.key}'{origin}: {exc}"
            ) from exc

    def _new_files(self) -> tuple:
        """Return the last page's member files, each file's bytes only the first time: the
        parent writes each file once, however many pages (and workers) share it."""
        files = []
        for file in self.member_files:
            files.append((file.path, None if file.path in self.sent else file.data))
            self.sent.add(file.path)
        return tuple(files)


def nav(urls: naming.PageUrls) -> list[tuple[str, str]]:
    """Return the site's navigation links, relative to one page."""
    return [(text, urls.to(path)) for text, path in naming.SITE_NAV]


class Crew:
    """Renders a list of pages here and, for a long list, in forked workers started at once.

    Start it with the collector paused (the workers inherit that); `finish` renders what
    the workers have not taken and returns every page's record.
    """

    def __init__(self, state: RenderState, pages: list[PageSpec], jobs: int | None, progress: bool):
        self.state = state
        ordered = sorted(pages, key=state.views.locality)
        self.chunks = [ordered[i : i + CHUNK] for i in range(0, len(ordered), CHUNK)]
        self.bar = progress_bar(len(ordered), progress)
        self.pool = self.pending = None
        self.member_files: dict[str, bytes] = {}  # path -> bytes, of every page rendered
        self.member_uses: dict[str, tuple[str, ...]] = {}  # page -> the member files it names
        self._counted = 0  # chunks the workers took that the progress bar counts
        if worth_forking(len(ordered), jobs):
            self._start(processes(jobs) - 1)

    def _start(self, count: int) -> None:
        """Fork the workers; each takes chunks from the front until it meets this process."""
        global _CREW
        context = multiprocessing.get_context("fork")
        self.lock = context.Lock()  # guards both ends
        self.front = context.RawValue("l", 0)  # the next chunk a worker takes
        self.back = context.RawValue("l", len(self.chunks))  # ours from here on
        _CREW = self
        gc.freeze()  # keep the collector off the shared graph, so forked pages stay shared
        self.pool = context.Pool(count, initializer=die_with_parent, initargs=(os.getpid(),))
        # One ticket per chunk at most: a worker turns each into the next chunk, or nothing.
        self.pending = self.pool.imap_unordered(_work_one, range(len(self.chunks)))

    def take(self, from_front: bool) -> int | None:
        """Return the index of the next chunk from one end, or None once the ends meet."""
        with self.lock:
            if self.front.value >= self.back.value:
                return None
            end = self.front if from_front else self.back
            end.value += 1 if from_front else -1
            return end.value - 1 if from_front else end.value

    def finish(self) -> dict[str, PageRecord]:
        """Render the chunks the workers did not take; return the records of every page."""
        global _CREW
        try:
            if self.pool is None:
                results = [self.state.render_chunk(c) for c in self._each(self.chunks)]
                return self._gather(results, [])
            mine = []
            while (index := self.take(from_front=False)) is not None:
                mine.append(self.state.render_chunk(self.chunks[index]))
                self._advance(len(self.chunks[index]))
            ids = {n: n for n in self.state.views.nodes}
            theirs = [_own_ids(chunk, ids) for chunk in self.pending if chunk]
            return self._gather(mine, theirs)
        finally:
            if self.pool is not None:
                self.pool.terminate()
                self.pool.join()
                _CREW = None
            self.bar.close()

    def _advance(self, pages: int) -> None:
        """Move the progress bar on by our pages and by the chunks the workers have taken."""
        front = self.front.value
        pages += sum(len(c) for c in self.chunks[self._counted : front])
        self._counted = max(front, self._counted)
        self.bar.update(pages)

    def _each(self, chunks: list[list[PageSpec]]):
        """Yield the chunks, advancing the progress bar after each."""
        for chunk in chunks:
            yield chunk
            self.bar.update(len(chunk))

    def _gather(self, mine: list, theirs: list) -> dict[str, PageRecord]:
        """Turn chunk results into records; write an incremental build's changed pages.

        A full build's pages are already in the staging folder. An incremental build's come
        back as bytes: this process writes those that differ from the last site's, and the
        rest are linked in from the last site (Writer.keep_the_rest).
        """
        writer = self.state.writer
        records, held = {}, []
        for chunk in [*mine, *theirs]:
            for path, digest, deps, data, size, files in chunk:
                records[path] = (digest, deps)
                self._note_files(path, files)
                if data is not None:
                    held.append((path, data))
                elif not writer.incremental:
                    writer.written[path] = size  # perhaps by a worker, whose writer is a copy
        self.bar.update(self.bar.total - self.bar.n)
        for path, data in held:
            if not writer.unchanged(path, data):
                writer.put(path, data)
        return records

    def _note_files(self, page: str, files: tuple) -> None:
        """Remember which member files a page names, and each file's bytes once."""
        if files:
            self.member_uses[page] = tuple(name for name, _ in files)
        for name, data in files:
            if data is not None:
                self.member_files.setdefault(name, data)


_CREW: Crew | None = None  # the crew a forked worker inherited


def _work_one(_ticket: int) -> list:
    """Render the next chunk from the front, in a worker ([] once the ends have met)."""
    index = _CREW.take(from_front=True)
    return [] if index is None else _CREW.state.render_chunk(_CREW.chunks[index])


def _own_ids(chunk: list, ids: dict[str, str]) -> list:
    """Return a worker's chunk result with node ids swapped for this process's own strings.

    Unpickled ids are fresh copies (one per id and chunk): kept in the status records of
    every page they would add up, where this process's own strings cost nothing more.
    """
    return [
        (path, digest, [ids.get(d, d) for d in deps], data, size, files)
        for path, digest, deps, data, size, files in chunk
    ]


@contextmanager
def side_job(make: Callable[..., Any], *args: Any, start: bool = True, optional: bool = False):
    """Make `make(*args)` in a forked process while the block runs; yield a function that
    returns the result. The fork only reads, and its copies of what it reads go with it.

    Without `start`, or where forking is not possible, the function makes it here. An
    `optional` job (one that only saves time) is then not made: the function returns None,
    as it does when the job failed.
    """
    if not start or not _can_fork():
        yield (lambda: None) if optional else (lambda: make(*args))
        return
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_side, args=(send, make, args))
    child.start()
    send.close()

    def result():
        try:
            made, value = receive.recv()
        except EOFError:  # the process died: make it here
            return None if optional else make(*args)
        if made:
            return value
        if optional:
            return None
        raise BuildError(value)

    try:
        yield result
    finally:
        receive.close()
        child.terminate()  # done already, unless the block failed before asking
        child.join()


def _side(send, make: Callable[..., Any], args: tuple) -> None:
    """Send what `make(*args)` returns, or what went wrong (in the forked process)."""
    die_with_parent(os.getppid())
    try:
        outcome = (True, make(*args))
    except Exception as exc:
        outcome = (False, f"{type(exc).__name__}: {exc}")
    send.send(outcome)
    send.close()


def die_with_parent(parent: int) -> None:
    """Have Linux kill this forked process when the build that forked it dies, even by
    kill -9: a worker left alone would go on writing pages into the build's folders."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: workers end when their queue closes
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def processes(jobs: int | None) -> int:
    """Return how many processes render: `jobs` (-j), else one per core, at most four."""
    return jobs or min(os.cpu_count() or 1, 4)


def worth_forking(pages: int, jobs: int | None) -> bool:
    """Tell whether a build of this many pages should use other processes, and can."""
    return processes(jobs) >= 2 and pages >= PARALLEL_FROM and _can_fork()


def _can_fork() -> bool:
    """Tell whether worker processes can be forked here: a fork start method, and no other
    thread running (forking a threaded process, as under `serve`, can deadlock)."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def progress_bar(total: int, enabled: bool):
    """Return a progress bar on a terminal, or a silent stand-in."""
    from tqdm import tqdm

    tqdm.monitor_interval = 0  # no monitor thread: worker processes are forked after this
    show = enabled and sys.stderr.isatty() and total > 500
    return tqdm(total=total, unit="page", desc="pages", disable=not show, leave=False)
