"""SamplePortal: the sample county portals served over real HTTP on a local port.

Usage::

    with SamplePortal() as portal:             # binds 127.0.0.1 on a free port
        portal.county_urls["云溪县"]             # home page that links to 预决算公开
        expected = portal.manifest()            # documents, figures, nasty cases, anomalies
        ...crawl portal.base_url...
        portal.requests                         # what was fetched, with status and bytes
        portal.bump_version()                   # one attachment changes bytes, ETag, Last-Modified
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import TracebackType

from crawler.sample_portal.manifest import build_manifest
from crawler.sample_portal.model import Manifest, RequestRecord
from crawler.sample_portal.server import PortalHTTPServer, RequestLog
from crawler.sample_portal.site import Site


class SamplePortal:
    """The sample portal: several county sites in the styles of real Chinese CMS families."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, *, big_file_mb: float = 3.0, gzip: bool = True
    ) -> None:
        """Bind the socket now (so ``base_url`` is known); serve after ``start()``."""
        self.log = RequestLog()
        self._server = PortalHTTPServer((host, port), self.log)
        self.base_url = f"http://{host}:{self._server.server_port}"
        self.site = Site(self.base_url, big_file_mb=big_file_mb, gzip=gzip)
        self._server.site = self.site
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> SamplePortal:
        """Serve in a daemon thread; return self."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever, name="sample-portal", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (CLI use)."""
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()

    def __enter__(self) -> SamplePortal:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- what is served ------------------------------------------------------------------------

    @property
    def county_urls(self) -> dict[str, str]:
        """Home page URL per county name (including the anti-bot ones)."""
        return {county.name: county.home_url for county in self.site.counties()}

    @property
    def robots_url(self) -> str:
        """The portal's robots.txt."""
        return f"{self.base_url}/robots.txt"

    @property
    def version(self) -> int:
        """How many times ``bump_version()`` was called."""
        return self.site.version

    def url(self, path: str) -> str:
        """Absolute URL for a portal path such as ``/yunxi/index.html``."""
        return self.base_url + path

    def manifest(self) -> Manifest:
        """What the portal serves at the current version, with expected figures."""
        return build_manifest(self.site)

    def bump_version(self) -> int:
        """Alter one published attachment in place (new bytes, ETag, Last-Modified); return version."""
        return self.site.bump_version()

    def reset_faults(self) -> None:
        """Make the fail-once pages fail once again."""
        self.site.reset_faults()

    # -- the request log -----------------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        """A snapshot of the request log, oldest first."""
        return self.log.snapshot()

    def reset_log(self) -> None:
        """Forget the logged requests."""
        self.log.clear()

    def requests_to(self, path: str) -> list[RequestRecord]:
        """Logged requests whose path (without query) equals ``path`` or an absolute URL's path."""
        wanted = path.removeprefix(self.base_url)
        return [r for r in self.log.snapshot() if r.path == wanted.split("?", 1)[0]]

    def wait_for(
        self, predicate: Callable[[list[RequestRecord]], bool], timeout: float = 5.0
    ) -> list[RequestRecord]:
        """Block until ``predicate(log)`` holds (or raise TimeoutError); return the log."""
        deadline = time.monotonic() + timeout
        with self.log.changed:
            while not predicate(self.log.snapshot_locked()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError("the portal's request log never matched the condition")
                self.log.changed.wait(remaining)
            return self.log.snapshot_locked()


def manifest_for(base_url: str, version: int = 0, *, big_file_mb: float = 3.0) -> Manifest:
    """The manifest of a portal served elsewhere (e.g. by ``python -m crawler.sample_portal``)."""
    site = Site(base_url.rstrip("/"), big_file_mb=big_file_mb)
    for _ in range(version):
        site.bump_version()
    return build_manifest(site)
