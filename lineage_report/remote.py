"""Inputs in object storage: list and read `s3://`, `gs://` and `az://` URLs through fsspec.

A project (SOURCE) or a single glob of `manifests` / `[[sources]]` may be a URL. Its driver
is an optional extra (`pip install 'lineage-report[s3]'`, `[gcs]`, `[azure]`) and takes its
credentials from the cloud's own chain (for S3 that includes `AWS_ENDPOINT_URL`, so MinIO
and other S3-compatible stores work).

Each listed object carries a token (its ETag, or its generation) that changes whenever its
bytes do: the manifest cache keys remote files by it, as it keys local ones by their stat.
The objects a build reads are fetched a window at a time, concurrently (the drivers are
asynchronous: one `cat_ranges` call reads a whole window).

A bucket that is missing or denied, missing credentials and a missing extra stop the run
with one `RemoteError` line; an object that cannot be read is that file's problem only.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import LineageReportError
from .inputfiles import TOO_LARGE, UNREADABLE, Refused, too_large_message

# scheme -> the extra that installs its driver
EXTRAS = {"s3": "s3", "s3a": "s3", "gs": "gcs", "gcs": "gcs", "az": "azure", "abfs": "azure"}
EXTRAS["abfss"] = "azure"
CREDENTIALS = {
    "s3": "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or an instance role",
    "gcs": "GOOGLE_APPLICATION_CREDENTIALS, or `gcloud auth application-default login`",
    "azure": "AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT_NAME and a key",
}
# Exceptions of the drivers' credential chains (botocore, google-auth, azure-identity).
NO_CREDENTIALS = {
    "NoCredentialsError",
    "PartialCredentialsError",
    "DefaultCredentialsError",
    "CredentialUnavailableError",
    "ClientAuthenticationError",
}
# Driver options beyond the defaults. s3fs: read each object in one GET, without first
# asking its size (a HEAD per object) to split large ones; inputs are small.
OPTIONS: dict[str, dict[str, Any]] = {"s3": {"max_concurrency": 1}}
ENVIRONMENT = ("AWS_", "GOOGLE_", "CLOUDSDK_", "AZURE_", "FSSPEC_")  # what a driver reads
URL = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://(.*)", re.DOTALL)
WINDOW_FILES = 256  # objects fetched together, at most ...
WINDOW_BYTES = 64 << 20  # ... and at most this many bytes of them (by their listed sizes)
LISTERS = 8  # folders listed at once


class RemoteError(LineageReportError):
    """Object storage cannot be used: no such bucket, access denied, no driver installed."""


def is_url(text: str) -> bool:
    """Tell whether a SOURCE or glob names object storage (`scheme://...`), not a local path."""
    return URL.fullmatch(text) is not None


def scheme_of(url: str) -> str:
    """Return a URL's scheme, lower case."""
    return url.split("://", 1)[0].lower()


def bucket_of(url: str) -> str:
    """Return the URL of a URL's bucket (or container): `s3://bucket`."""
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{rest.split('/', 1)[0]}"


def base_name(url: str) -> str:
    """Return the last part of a URL (a project's default title)."""
    return url.rstrip("/").rsplit("/", 1)[-1]


def join(root: str, rel: str) -> str:
    """Return the URL of the project path `rel` in the project at URL `root`."""
    return f"{root.rstrip('/')}/{rel}"


def archive_name(rel: str) -> str:
    """Return where an input named by its URL goes in a snapshot: `s3://b/k` -> `s3/b/k`."""
    return rel.replace("://", "/", 1) if is_url(rel) else rel


# --------------------------------------------------------------------- the drivers


_stores: dict[tuple, Store] = {}
_stores_lock = threading.Lock()


def store(url: str) -> Store:
    """Return the store that reads `url`, set up with the credentials of the environment.

    One store per scheme and environment: a changed `AWS_ENDPOINT_URL` gets a new one.
    """
    scheme = scheme_of(url)
    extra = supported(url)
    settings = sorted((k, v) for k, v in os.environ.items() if k.startswith(ENVIRONMENT))
    key = (scheme, tuple(settings))
    with _stores_lock:
        if key not in _stores:
            _stores[key] = Store(scheme, extra, driver(scheme, extra))
        return _stores[key]


def supported(url: str) -> str:
    """Return the extra that reads `url`; a RemoteError naming it if there is none."""
    scheme = scheme_of(url)
    if scheme not in EXTRAS:
        known = ", ".join(f"{s}://" for s in ("s3", "gs", "az"))
        raise RemoteError(f"{url}: {scheme}:// is not supported (use {known})")
    return EXTRAS[scheme]


def driver(scheme: str, extra: str) -> Any:
    """Return an fsspec file system for `scheme`; a missing extra is one clear error."""
    needs = f"reading {scheme}:// needs the {extra} extra: pip install 'lineage-report[{extra}]'"
    try:
        import fsspec

        cls = fsspec.get_filesystem_class(scheme)
    except ImportError:
        raise RemoteError(needs) from None
    try:
        # Fresh listings every time: a rebuild or `serve` must see new objects at once.
        options = OPTIONS.get(extra, {})
        return cls(skip_instance_cache=True, use_listings_cache=False, **options)
    except Exception as exc:  # a driver's own settings check (an Azure account name, say)
        raise RemoteError(f"{scheme}://: cannot set up the driver: {exc}") from None


def failure(url: str, extra: str, exc: BaseException) -> RemoteError:
    """Return the one-line error of a listing that failed."""
    if isinstance(exc, FileNotFoundError):
        what = "container" if extra == "azure" else "bucket"
        return RemoteError(f"{bucket_of(url)}: no such {what}")
    if isinstance(exc, PermissionError):
        return RemoteError(f"{url}: access denied ({exc})")
    if type(exc).__name__ in NO_CREDENTIALS:
        return RemoteError(f"{url}: no credentials found (set {CREDENTIALS[extra]})")
    return RemoteError(f"{url}: cannot list the objects: {exc or type(exc).__name__}")


def unreadable(exc: BaseException) -> Refused:
    """Return the problem of one object that could not be read."""
    if isinstance(exc, FileNotFoundError):
        return Refused("cannot read the object: it was deleted after it was listed", UNREADABLE)
    if isinstance(exc, PermissionError):
        return Refused(f"cannot read the object: access denied ({exc})", UNREADABLE)
    return Refused(f"cannot read the object: {exc or type(exc).__name__}", UNREADABLE)


def token_of(info: dict[str, Any]) -> str:
    """Return what changes whenever an object's bytes do: its generation, else its ETag."""
    for key in ("generation", "ETag", "etag"):
        value = str(info.get(key) or "").strip('"')  # S3 quotes its ETags
        if value:
            return f"{key}:{value}"
    return ""  # none: the object is read every time


def is_file(info: dict[str, Any]) -> bool:
    """Tell whether a listed entry is an object (not a folder marker)."""
    return info.get("type", "file") == "file"


def size_of(info: dict[str, Any]) -> int:
    """Return a listed object's size in bytes."""
    return int(info.get("size") or 0)


@dataclass(frozen=True)
class RemoteFile:
    """One object: its URL, its token and listed size, and the fetcher that reads it."""

    url: str
    token: str
    size: int
    fetcher: Fetcher = field(compare=False, repr=False)

    @property
    def name(self) -> str:
        """Return the object's file name (its key's last part)."""
        return base_name(self.url)

    def read(self, limit_mb: float) -> bytes:
        """Return the object's bytes; raise Refused when it is too large or unreadable."""
        return self.fetcher.read(self, limit_mb)


class Store:
    """One object store (a scheme), reached through its fsspec driver."""

    def __init__(self, scheme: str, extra: str, fs: Any):
        self.scheme = scheme
        self.extra = extra
        self.fs = fs

    def find(self, url: str, fetcher: Fetcher, shown: str | None = None) -> list[RemoteFile]:
        """List the objects at `url` (one object) or below it (a folder), with their tokens.

        A failure names `shown` (the project's URL, say), else `url`.
        """
        path = url.split("://", 1)[1]
        try:
            found = self.fs.find(path, detail=True)
        except Exception as exc:  # the drivers raise their SDKs' errors too
            raise failure(shown or url, self.extra, exc) from None
        files = [(name, info) for name, info in sorted(found.items()) if is_file(info)]
        return [
            RemoteFile(f"{self.scheme}://{name}", token_of(info), size_of(info), fetcher)
            for name, info in files
        ]

    def cat(self, files: list[RemoteFile]) -> list[bytes | BaseException]:
        """Read whole objects concurrently; each result is its bytes or its exception."""
        paths = [f.url.split("://", 1)[1] for f in files]
        try:  # cat_ranges, unlike cat, takes each path as it is (a key may hold "*" or "[")
            return self.fs.cat_ranges(paths, None, None, on_error="return")
        except Exception as exc:
            return [exc] * len(files)


# --------------------------------------------------------------------- listing


def literal_folder(glob: str) -> str:
    """Return the part of a glob before its first wildcard, up to its last `/`."""
    cut = min((glob.find(c) for c in "*?" if c in glob), default=-1)
    if cut < 0:
        return glob  # no wildcard: the glob names one file (or a folder's files)
    return glob[: glob.rfind("/", 0, cut) + 1]


def base_urls(root: str | None, globs: list[str]) -> list[str]:
    """Return the URLs to list for the globs: a glob's literal folder, each listed once."""
    bases = set()
    for glob in globs:
        url = glob if is_url(glob) else join(root or "", glob)
        base = literal_folder(url)
        bases.add(base if len(base) > len(bucket_of(url)) else bucket_of(url))
    kept: list[str] = []
    for base in sorted(bases):  # a folder inside one already listed adds nothing
        if not any(base.startswith(k if k.endswith("/") else k + "/") for k in kept):
            kept.append(base)
    return kept


def listing(root: str | None, globs: list[str]) -> dict[str, RemoteFile]:
    """List every object the globs could match, by project path: relative to `root` for
    the objects below it, their URL for the others. Folders are listed concurrently."""
    for url in {root, *filter(is_url, globs)} - {None}:
        supported(url)  # before any listing: the error names the URL as written
    bases = base_urls(root, globs)
    fetchers: dict[str, Fetcher] = {}
    for base in bases:
        scheme = scheme_of(base)
        if scheme not in fetchers:
            fetchers[scheme] = Fetcher(store(base))
    prefix = root.rstrip("/") + "/" if root else None

    def find(base: str) -> list[RemoteFile]:
        shown = root if prefix and base.startswith(prefix) else None  # what the user wrote
        fetcher = fetchers[scheme_of(base)]
        return fetcher.store.find(base, fetcher, shown)

    with ThreadPoolExecutor(min(LISTERS, len(bases) or 1)) as pool:
        found = [file for files in pool.map(find, bases) for file in files]
    return {project_path(prefix, file.url): file for file in found}


def project_path(prefix: str | None, url: str) -> str:
    """Return an object's project path: relative to the project's URL, or its URL."""
    return url[len(prefix) :] if prefix and url.startswith(prefix) else url


def lookup(url: str) -> RemoteFile | None:
    """Return the object at `url` (a file read beside an input), or None when there is none."""
    fetcher = Fetcher(store(url))
    found = [f for f in fetcher.store.find(url, fetcher) if f.url == url]
    return found[0] if found else None


def plan(files: list[RemoteFile]) -> None:
    """Tell each fetcher which of its objects the build reads, in the order it reads them."""
    by_fetcher: dict[int, list[RemoteFile]] = {}
    for file in files:
        by_fetcher.setdefault(id(file.fetcher), []).append(file)
    for group in by_fetcher.values():
        group[0].fetcher.plan(group)


# --------------------------------------------------------------------- reading


# While a snapshot builds, every object read is also written here (by its SHA-256), so
# the snapshot ships exactly the bytes the build read without downloading them again.
_kept: ContextVar[Path | None] = ContextVar("kept", default=None)


@contextmanager
def keeping(folder: Path) -> Iterator[Path]:
    """Keep a copy of every object read meanwhile in `folder`, named by its SHA-256."""
    folder.mkdir(parents=True, exist_ok=True)
    token = _kept.set(folder)
    try:
        yield folder
    finally:
        _kept.reset(token)


def keep(data: bytes) -> None:
    """Copy an object's bytes into the folder of `keeping`, if one is open."""
    folder = _kept.get()
    if folder is not None:
        (folder / hashlib.sha256(data).hexdigest()).write_bytes(data)


class Fetcher:
    """Reads the objects of one store for one build: a window of them at a time, at once.

    The build reads its inputs one by one, in order; the first read of a window fetches
    the objects planned after it too, concurrently, so only a window is held in memory.
    """

    def __init__(self, store: Store):
        self.store = store
        self.order: list[RemoteFile] = []
        self.at: dict[str, int] = {}
        self.got: dict[str, bytes | BaseException] = {}

    def plan(self, files: list[RemoteFile]) -> None:
        """Set the objects to read, in the order the build reads them."""
        self.order = list(files)
        self.at = {f.url: i for i, f in enumerate(self.order)}

    def read(self, file: RemoteFile, limit_mb: float) -> bytes:
        """Return one object's bytes, fetching its window first if needed."""
        limit = int(limit_mb * 1_000_000)
        if file.size > limit:  # known from the listing: not downloaded at all
            raise Refused(too_large_message(file.size, limit_mb), TOO_LARGE)
        if file.url not in self.got:
            window = self.window(file, limit)
            self.got.update(zip([f.url for f in window], self.store.cat(window), strict=True))
        data = self.got.pop(file.url)
        if isinstance(data, BaseException):
            raise unreadable(data)
        if len(data) > limit:  # it grew since it was listed
            raise Refused(too_large_message(len(data), limit_mb), TOO_LARGE)
        keep(data)
        return data

    def window(self, file: RemoteFile, limit: int) -> list[RemoteFile]:
        """Return `file` and the planned objects after it, up to the window's size."""
        start = self.at.get(file.url)
        if start is None:
            return [file]
        window, total = [file], file.size
        for later in self.order[start + 1 :]:
            if len(window) >= WINDOW_FILES or total + later.size > WINDOW_BYTES:
                break
            if later.url not in self.got and later.size <= limit:
                window.append(later)
                total += later.size
        return window


def project_source(text: str) -> Path | str:
    """Parse a SOURCE argument: a URL stays as written (a Path would fold its `//`)."""
    return text if is_url(text) else Path(text)


SOURCE_HELP = "project folder, or its URL in object storage (s3://bucket/prefix, gs://, az://)"
