"""Live preview: build the site, serve it on localhost, rebuild on change, reload the browser.

A thin loop around the same `build()` (after MkDocs' `serve`):
- a watchdog observer's callback only records which files changed;
- one builder thread waits for the changes to settle, reloads the config if it changed,
  rebuilds, and publishes the outcome (a build number, or the error of a failed build);
- the HTTP server serves the output folder as it is on disk and adds a small script to HTML
  responses (never to the files), which long-polls `/__livereload`: the page reloads after a
  successful build and shows a failed build's error in a banner.
The writer swaps a finished build in atomically, so after a failed build the last good site
is still on disk and still served.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import webbrowser
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from . import naming
from .build import BuildResult, build
from .collect import remote_tokens
from .config import CONFIG_NAME, Config, load_config
from .errors import LineageReportError
from .remote import is_url
from .render import theme_dirs
from .terminal import safe_line

log = logging.getLogger("lineage_report")

QUIET = 0.3  # rebuild once the files have been quiet this long (seconds) ...
MAX_WAIT = 2.0  # ... or this long after the first change, if they never go quiet
LONG_POLL = 25.0  # a browser's status request is answered at the latest after this long
POLL_INTERVAL = 1.0  # how often --poll looks at the files
REMOTE_POLL = 2.0  # how often the objects in a bucket are listed (a bucket sends no events)
STOP_GRACE = 60.0  # how long stopping waits for a build in progress (Ctrl-C again: at once)
ENDPOINT = "/__livereload"
SCRIPT_PATH = "/__livereload.js"
EVENT_KINDS = {"created", "modified", "moved", "deleted"}  # not "opened": builds read files
TEMP_SUFFIXES = ("~", ".tmp", ".swp", ".swx", ".part", ".crdownload")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}

# The script added to every served HTML page. Its only input is its own data-build
# attribute; the status comes back as JSON and the error is shown with textContent, since
# an error message may quote an untrusted manifest or path.
LIVERELOAD_JS = """\
// Added by `lineage-report serve` to served pages (never to the built files): reloads the
// page after a successful rebuild, shows the error of a failed one in a banner.
(function () {
  "use strict";
  var build = document.currentScript.getAttribute("data-build");
  var attempt = "-1";
  var banner = null;
  function show(error) {
    if (!error) {
      if (banner) { banner.remove(); banner = null; }
      return;
    }
    if (!banner) {
      banner = document.createElement("div");
      banner.id = "lineage-report-build-error";
      banner.setAttribute("role", "alert");
      banner.style.cssText = "position:fixed;top:0;left:0;right:0;z-index:2147483647;" +
        "margin:0;padding:.75em 1em;background:#9b1c1c;color:#fff;" +
        "font:14px/1.4 ui-monospace,monospace;white-space:pre-wrap;" +
        "max-height:50vh;overflow:auto;box-shadow:0 2px 6px rgba(0,0,0,.4)";
      document.body.appendChild(banner);
    }
    banner.textContent = "Build failed; this is the last good build.\\n" + error;
  }
  function poll() {
    var query = "?build=" + encodeURIComponent(build) + "&attempt=" + attempt;
    fetch("/__livereload" + query, { cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (status) {
        if (status.build !== build) { location.reload(); return; }
        attempt = String(status.attempt);
        show(status.error);
        poll();
      })
      .catch(function () { setTimeout(poll, 1000); });  // server restarting: try again
  }
  poll();
})();
"""


class ServeError(LineageReportError):
    """The preview server could not start (port in use, folder not watchable, ...)."""


def serve(
    config: Config,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    poll: bool = False,
    output: Path | None = None,
    open_browser: bool = False,
) -> None:
    """Build, serve and rebuild on change until Ctrl-C (or SIGTERM), saying where and how."""
    server = start(config, host, port, poll=poll, output=output)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        print(safe_line(f"Serving {server.url}  (site in {server.output})"), flush=True)
        print("Watching for changes; press Ctrl-C to stop", flush=True)
        if open_browser:
            webbrowser.open(server.url)
        server.wait_stopped()
    except KeyboardInterrupt:
        print("Stopping", flush=True)
    finally:
        server.stop()
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum, frame) -> None:
    """Turn SIGTERM (docker stop, systemd) into the same clean stop as Ctrl-C."""
    raise KeyboardInterrupt


def start(
    config: Config,
    host: str = "127.0.0.1",
    port: int = 8000,
    poll: bool = False,
    output: Path | None = None,
) -> Server:
    """Build once, then serve and watch in background threads; return the running server.

    `output` None builds into a temporary folder, removed by `stop()`; port 0 picks a free
    port. A failure of the first build is raised (there is no good site to serve yet).
    """
    server = Server(config, output, poll)
    try:
        server.start(host, port)
    except BaseException:
        server.stop()
        raise
    return server


@dataclass(frozen=True)
class WatchPlan:
    """What to watch: folders (recursively), single files, and folders to ignore."""

    folders: tuple[Path, ...]
    files: tuple[Path, ...]
    ignored: tuple[Path, ...]

    def schedule(self) -> list[tuple[Path, bool]]:
        """Return (folder, recursive) pairs for the observer: each folder, each file's parent."""
        pairs = [(f, True) for f in self.folders]
        parents = {f.parent for f in self.files} - set(self.folders)
        return pairs + [(p, False) for p in sorted(parents) if p.is_dir()]

    def relevant(self, path: Path) -> bool:
        """Tell whether a change to `path` should cause a rebuild."""
        if any(path.is_relative_to(d) for d in self.ignored):
            return False
        if path in self.files:
            return True
        for folder in self.folders:
            if path.is_relative_to(folder):
                return not any(scratch(part) for part in path.relative_to(folder).parts)
        return False


def scratch(name: str) -> bool:
    """Tell whether a file name is hidden or temporary (an editor's or the SDK's `.x.tmp`)."""
    return name.startswith(".") or name.endswith(TEMP_SUFFIXES)


def watch_plan(config: Config, output: Path) -> WatchPlan:
    """Return what to watch for a config: its project folder, theme folders and README.

    A project in a bucket has no local folder to watch: `Server` polls the bucket.
    """
    folders = [config.root] if config.remote is None else []
    for folder in theme_folders(config):
        if not any(folder.is_relative_to(f) for f in folders):
            folders.append(folder)
    files = [config.readme.resolve()] if config.readme else []
    files = [f for f in files if not any(f.is_relative_to(d) for d in folders)]
    # The writer's staging and retired folders sit beside the output (hidden names, but
    # the output may itself be inside a hidden folder of the project).
    ignored = [output.with_name(f".{output.name}{s}") for s in (".building", ".old")]
    return WatchPlan(tuple(folders), tuple(files), (output, *ignored))


def theme_folders(config: Config) -> list[Path]:
    """Return the theme folders to watch; an unusable theme is the build's error to report."""
    try:
        return [d.resolve() for d in theme_dirs(config.theme_name, config.theme_custom_dir)]
    except LineageReportError:
        return []


class ChangeHandler(FileSystemEventHandler):
    """Passes relevant file events on to the server; the builder thread does the work."""

    def __init__(self, server: Server):
        self.server = server

    def on_any_event(self, event: FileSystemEvent) -> None:
        """Record a created, changed, moved or deleted file (a folder's mtime is noise)."""
        if event.event_type not in EVENT_KINDS:
            return
        if event.is_directory and event.event_type == "modified":
            return
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            path = Path(os.fsdecode(raw)) if raw else None
            if path and self.server.plan.relevant(path):
                self.server.changed(path)


class Server:
    """A running preview: the HTTP server, the observer and the builder thread.

    `build_count` counts successful builds (the first included); `last_error` is the error of
    the latest build attempt, or None when it succeeded; `attempts` counts finished attempts.
    """

    def __init__(self, config: Config, output: Path | None, poll: bool):
        self.config = config
        self._output_option = output
        self._tempdir = None if output else Path(tempfile.mkdtemp(prefix="lineage-report-"))
        self.output = (output or self._tempdir / "site").resolve()
        self.url = ""
        self.build_count = 0
        self.attempts = 0
        self.last_error: str | None = None
        self.last_result: BuildResult | None = None
        self.plan = WatchPlan((), (), ())
        self._token = secrets.token_hex(4)  # tells this server's builds from a previous one's
        self._cond = threading.Condition()
        self._changes = threading.Event()
        self._stopping = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._pending: set[Path] = set()
        self._first_change = self._last_change = 0.0
        self._config_stale = False
        self._observer = PollingObserver(timeout=POLL_INTERVAL) if poll else Observer()
        self._handler = ChangeHandler(self)
        self._httpd: SiteHTTPServer | None = None
        self._threads: list[threading.Thread] = []

    # -- lifecycle -------------------------------------------------------------------------

    def start(self, host: str, port: int) -> None:
        """Bind the port, start watching, build once, then serve and rebuild in threads."""
        self._httpd = bind(host, port, self)
        self.url = url_of(host, self._httpd.server_address[1])
        self._watch(watch_plan(self.config, self.output))
        self._observer.start()
        if in_buckets(self.config):  # listed before the build: later changes are seen
            self._spawn(self._poll_buckets, remote_tokens(self.config))
        result = build(self.config, self.output)  # raises: no good site to fall back on yet
        log.info("Built %s", result.summary())
        self._publish(result=result)
        self._spawn(self._httpd.serve_forever, 0.2)
        self._spawn(self._builder_loop)

    def _spawn(self, target, *args) -> None:
        """Start a daemon thread (a stuck build must not keep the process alive)."""
        thread = threading.Thread(target=target, args=args, daemon=True, name=target.__name__)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        """Stop serving and watching, wake waiting browsers, remove the temporary folder."""
        if self._stopping.is_set():
            return
        building = not self._idle.is_set()
        self._stopping.set()
        self._changes.set()
        self._idle.set()
        with self._cond:
            self._cond.notify_all()  # long-polls return now, so closing the server won't wait
        if self._httpd:
            if any(t.name == "serve_forever" for t in self._threads):
                self._httpd.shutdown()
            self._httpd.server_close()
        if self._observer.is_alive():
            self._observer.stop()
            self._observer.join(timeout=5)
        if building:
            log.info("Waiting for the build in progress to finish (Ctrl-C again to quit now)")
        deadline = time.monotonic() + STOP_GRACE
        for thread in self._threads:  # a build cut off would leave files in the output
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        if self._tempdir:
            shutil.rmtree(self._tempdir, ignore_errors=True)

    def wait_stopped(self) -> None:
        """Block until `stop()` (in short waits, so Ctrl-C is seen at once)."""
        while not self._stopping.wait(0.5):
            pass

    def __enter__(self) -> Server:
        """Return the running server (`with start(...) as server:`)."""
        return self

    def __exit__(self, *exc) -> None:
        """Stop the server at the end of the `with` block."""
        self.stop()

    # -- watching and rebuilding -----------------------------------------------------------

    def _watch(self, plan: WatchPlan) -> None:
        """Point the observer at the folders of `plan` (after a config change, say)."""
        if plan == self.plan:
            return
        self._observer.unschedule_all()
        for folder, recursive in plan.schedule():
            try:
                self._observer.schedule(self._handler, str(folder), recursive=recursive)
            except OSError as exc:
                raise ServeError(f"cannot watch {folder}: {exc} (try --poll)") from exc
        self.plan = plan

    def _poll_buckets(self, seen: dict[str, str]) -> None:
        """List the project's objects every REMOTE_POLL seconds; note the ones that changed
        (by their ETag or generation), as the observer notes changed files."""
        while not self._stopping.wait(REMOTE_POLL):
            try:
                now = remote_tokens(self.config)
            except LineageReportError:
                continue  # unreachable for now: the next look, or the next build, says why
            changed = sorted(n for n in seen.keys() | now.keys() if seen.get(n) != now.get(n))
            seen = now
            if self.config.remote is not None and settings_names(self.config) & set(changed):
                self._config_stale = True  # a bucket's settings and README: load them again
            for name in changed:
                self.changed(name)

    def changed(self, path: Path | str) -> None:
        """Record a changed file; called on the observer's thread, so it only takes notes."""
        now = time.monotonic()
        with self._cond:
            if not self._pending:
                self._first_change = now
            self._pending.add(path)
            self._last_change = now
        self._changes.set()

    def _builder_loop(self) -> None:
        """Rebuild once per burst of changes until stopped."""
        while True:
            self._changes.wait()
            self._settle()
            if self._stopping.is_set():
                return
            self._rebuild(self._take_changes())

    def _settle(self) -> None:
        """Wait until no file has changed for QUIET seconds, or MAX_WAIT after the first."""
        while not self._stopping.is_set():
            with self._cond:
                due = min(self._last_change + QUIET, self._first_change + MAX_WAIT)
            delay = due - time.monotonic()
            if delay <= 0:
                return
            self._stopping.wait(delay)

    def _take_changes(self) -> set[Path]:
        """Return the changed files and start collecting afresh (changes during a build count)."""
        with self._cond:
            paths, self._pending = self._pending, set()
            self._changes.clear()
            self._idle.clear()
        return paths

    def _rebuild(self, paths: set[Path]) -> None:
        """Rebuild after a change; a failure is reported and the last good site stays served."""
        log.info("Changed: %s; rebuilding", describe(paths, self.config.root))
        try:
            if self._config_stale or self.config.root / CONFIG_NAME in paths:
                self._reload_config()
            result = build(self.config, self.output)
        except LineageReportError as exc:
            self._publish(error=str(exc))
        except Exception as exc:  # a bug or an OS error must not end the preview
            if not self._stopping.is_set():
                log.exception("Unexpected error while building")
            self._publish(error=f"{type(exc).__name__}: {exc}")
        else:
            log.info("Rebuilt %s", result.summary())
            self._publish(result=result)

    def _reload_config(self) -> None:
        """Load the changed config (until that succeeds) and watch its theme folders."""
        self._config_stale = True
        source = self.config.remote or self.config.root  # a bucket's URL, or the folder
        self.config = load_config(source, output=self._output_option)
        self._config_stale = False
        self._watch(watch_plan(self.config, self.output))

    def _publish(self, result: BuildResult | None = None, error: str | None = None) -> None:
        """Record a build's outcome and wake the browsers waiting for it."""
        with self._cond:
            self.attempts += 1
            if result is not None:
                self.build_count += 1
                self.last_result = result
            self.last_error = error
            self._idle.set()
            self._cond.notify_all()
        if error and not self._stopping.is_set():  # a build cut short by Ctrl-C is no news
            log.error("Build failed: %s\nStill serving the last good site.", error)

    # -- what the browser sees -------------------------------------------------------------

    def build_id(self) -> str:
        """Return the id of the site on disk: this server's token and its build number."""
        return f"{self._token}.{self.build_count}"

    def status(self) -> dict:
        """Return the state the live-reload script polls for."""
        with self._cond:
            problems = len(self.last_result.problems) if self.last_result else 0
            return {
                "build": self.build_id(),
                "builds": self.build_count,
                "attempt": self.attempts,
                "error": self.last_error,
                "problems": problems,
            }

    def wait_status(self, build: str, attempt: str, timeout: float = LONG_POLL) -> dict:
        """Return the status once it differs from what the browser has seen (or on timeout)."""
        with self._cond:
            self._cond.wait_for(
                lambda: (
                    self._stopping.is_set()
                    or build != self.build_id()
                    or attempt != str(self.attempts)
                ),
                timeout,
            )
        return self.status()

    def wait_idle(self, timeout: float) -> None:
        """Wait for a running build to end (its last step swaps the output folder)."""
        self._idle.wait(timeout)


def in_buckets(config: Config) -> bool:
    """Tell whether a build of `config` reads anything from object storage."""
    globs = [*config.manifests, *(source.path for source in config.sources)]
    return config.remote is not None or any(is_url(glob) for glob in globs)


def settings_names(config: Config) -> set[str]:
    """Return the project paths of a bucket project's settings: its config and README."""
    return {CONFIG_NAME, config.remote_readme or "README.md"}


def describe(paths: set[Path | str], root: Path) -> str:
    """Return a short list of changed files, relative to the project where possible
    (objects in a bucket come by their project path already)."""
    names = sorted(
        str(p.relative_to(root)) if isinstance(p, Path) and p.is_relative_to(root) else str(p)
        for p in paths
    )
    more = f" and {len(names) - 3} more" if len(names) > 3 else ""
    return ", ".join(names[:3]) + more


def url_of(host: str, port: int) -> str:
    """Return the URL of the site served at host:port."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def bind(host: str, port: int, app: Server) -> SiteHTTPServer:
    """Return an HTTP server bound to host:port, serving the app's output folder."""
    handler = partial(LiveReloadHandler, directory=str(app.output))
    cls = SiteHTTPServer6 if ":" in host else SiteHTTPServer
    try:
        httpd = cls((host, port), handler)
    except OSError as exc:
        raise ServeError(f"cannot listen on {host}:{port}: {exc} (choose another --port)") from exc
    httpd.app = app
    httpd.allowed_hosts = allowed_hosts(host, httpd.server_address[1])
    return httpd


def allowed_hosts(host: str, port: int) -> set[str] | None:
    """Return the Host headers a loopback server accepts (None: any).

    A web page elsewhere could otherwise point a DNS name at 127.0.0.1 and read the report
    (DNS rebinding); a server bound to a public address has chosen to be reachable.
    """
    if host not in LOOPBACK:
        return None
    return {f"{name}:{port}" for name in ("127.0.0.1", "localhost", "[::1]")}


class SiteHTTPServer(ThreadingHTTPServer):
    """The threading HTTP server, quiet about browsers that hang up mid-response."""

    app: Server
    allowed_hosts: set[str] | None

    def handle_error(self, request, client_address) -> None:
        """Ignore dropped connections (a reloading page drops its long-poll); log the rest."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        log.debug("Error serving %s", client_address, exc_info=True)


class SiteHTTPServer6(SiteHTTPServer):
    """The same server on an IPv6 address."""

    address_family = socket.AF_INET6


class LiveReloadHandler(SimpleHTTPRequestHandler):
    """Serves the built site as it is on disk, adding the live-reload script to HTML pages."""

    server: SiteHTTPServer

    def do_GET(self) -> None:
        """Answer the live-reload endpoints, else serve a file."""
        if not self.host_allowed():
            self.send_error(421, "unexpected Host header")
            return
        route = urlsplit(self.path)
        if route.path == ENDPOINT:
            self.send_status(parse_qs(route.query))
        elif route.path == SCRIPT_PATH:
            self.send_bytes(LIVERELOAD_JS.encode(), "text/javascript; charset=utf-8")
        else:
            super().do_GET()

    def do_HEAD(self) -> None:
        """Serve headers only, after the same Host check."""
        if self.host_allowed():
            super().do_HEAD()
        else:
            self.send_error(421, "unexpected Host header")

    def host_allowed(self) -> bool:
        """Tell whether the request's Host header names this loopback server."""
        allowed = self.server.allowed_hosts
        return allowed is None or self.headers.get("Host", "") in allowed

    def send_status(self, query: dict[str, list[str]]) -> None:
        """Long-poll: answer when the build status differs from what the page has seen."""
        build = query.get("build", [""])[0]
        attempt = query.get("attempt", [""])[0]
        status = self.server.app.wait_status(build, attempt)
        self.send_bytes(json.dumps(status).encode(), "application/json")

    def send_bytes(self, data: bytes, content_type: str, code: int = 200) -> None:
        """Send a whole response from memory."""
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def send_head(self):
        """Send an HTML page with the script added; anything else as http.server does."""
        path = Path(self.translate_path(self.path))
        if not path.exists():
            self.server.app.wait_idle(5.0)  # a build swaps the folder in at its very end
        if path.is_dir() and urlsplit(self.path).path.endswith("/"):
            path = path / naming.INDEX
        if path.suffix == ".html" and path.is_file():
            return self.page(path, 200)
        return super().send_head()

    def page(self, path: Path, code: int, rewrite=None):
        """Send the headers of an HTML page with the script added; return its body."""
        tag = script_tag(self.server.app.build_id())  # the id first: never older than the page
        try:
            data = path.read_bytes()
            data = add_script(allow_polling(rewrite(data) if rewrite else data), tag)
        except OSError:  # gone since it was found: a plain 404, not the site's page again
            super().send_error(404, "File not found")
            return None
        self.send_response(code)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        return io.BytesIO(data)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None):
        """Show the site's own 404 page (which reloads too) for a missing file."""
        not_found = Path(self.directory) / naming.NOT_FOUND
        if code == 404 and not_found.is_file():
            body = self.page(not_found, 404, from_root)
            if body and self.command != "HEAD":
                shutil.copyfileobj(body, self.wfile)
            return
        super().send_error(code, message, explain)

    def list_directory(self, path):
        """Refuse folder listings: the site is its pages."""
        self.send_error(404, "File not found")
        return None

    def end_headers(self) -> None:
        """Forbid caching: every reload must show the newest build."""
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args) -> None:
        """Keep requests out of the terminal, which shows builds."""
        log.debug("%s - %s", self.address_string(), format % args)


def script_tag(build: str) -> bytes:
    """Return the <script> element added to a served page for the site build `build`."""
    return f'<script src="{SCRIPT_PATH}" data-build="{build}"></script>\n'.encode()


# A link or source that is relative to the page: no scheme, no leading "/", "#" or "?".
RELATIVE_URL = re.compile(rb'(\s(?:href|src)=")(?![A-Za-z][A-Za-z0-9+.-]*:|[/#?])')
BASE_ELEMENT = re.compile(rb"<base\s[^>]*>\n?", re.IGNORECASE)


def from_root(html: bytes) -> bytes:
    """Return the site's 404 page with its links made absolute from the server's root.

    The page is written for the site's root, but is served at any missing path
    (/runs/x/missing.html): relative links would miss the styles and the overview. A
    <base> from --base-url would send them to the published site: it goes too.
    """
    return RELATIVE_URL.sub(rb"\1/", BASE_ELEMENT.sub(b"", html))


# The policy a theme's base.html writes first in <head> (docs/security.md).
POLICY = re.compile(rb'(<meta http-equiv="Content-Security-Policy" content=")', re.IGNORECASE)


def allow_polling(html: bytes) -> bytes:
    """Return a page whose policy also lets the live-reload script ask this server.

    Built pages connect nowhere, so their policy leaves connect-src to default-src 'none';
    only a served page polls. Where a directive is named twice the first counts: ours.
    """
    return POLICY.sub(rb"\1connect-src 'self'; ", html, count=1)


def add_script(html: bytes, tag: bytes) -> bytes:
    """Insert `tag` before the page's last </body>, or at its end when there is none."""
    at = html.lower().rfind(b"</body>")
    return html + tag if at < 0 else html[:at] + tag + html[at:]
