"""Benchmark: pages/s of `budgetwatch crawl` against a bare Scrapy spider over the same site.

A generated county portal (``crawler.sample_portal.bulk``, ≥ 5,000 responses by
default) is served on 127.0.0.1 from a thread of this process.  Then, in turn:

- the bare spider: Scrapy with the same settings, following exactly the links a
  correct crawl follows, and nothing else (no items, pipelines, extraction, DB);
- ``budgetwatch crawl --json`` as a user runs it: SQLite in a temp dir, content
  store, extraction of every new document.

Both get the same configuration (one YAML file: concurrency, AutoThrottle off, no
delay; robots.txt obeyed), and each runs in its own process from start to exit.
Printed: responses, pages/s from wall time (process start to exit) and from the
crawl alone, the ratio ours/bare (goal ≥ 0.7), and the peak RSS (VmHWM) of the
crawl process and of any process of its tree.

    python bench/crawl.py [--pages 6000] [--concurrency 16] [--workers 1] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GOAL = 0.7
# Our stand-ins for Scrapy's own middlewares (crawler/settings.py), and what they replace.
SCRAPY_REPLACEMENTS = (
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware",
    "crawler.middlewares.CompressionMiddleware",
)


@dataclass(frozen=True)
class Run:
    """One crawl's figures."""

    name: str
    responses: int
    wall_seconds: float  # process start to exit
    crawl_seconds: float  # the crawl itself, as the process reports it
    peak_crawl_mb: float  # VmHWM of the process that runs Scrapy
    peak_tree_mb: float  # the largest VmHWM of any process of the tree (extraction workers too)

    @property
    def rate(self) -> float:
        return self.responses / self.wall_seconds

    @property
    def crawl_rate(self) -> float:
        return self.responses / self.crawl_seconds


# -- the bare spider (runs in a child process: `crawl.py --bare URL CONFIG PAGES`) ----------------


def bare_main(url: str, config: Path, pages: int) -> None:
    """Crawl with Scrapy alone and print {"seconds", "responses"} as JSON."""
    from scrapy import Request, Spider
    from scrapy.crawler import AsyncCrawlerProcess
    from scrapy.http import Response, TextResponse

    from budgetwatch.config import load_config
    from budgetwatch.crawling import crawl_job
    from crawler.run import scrapy_settings
    from crawler.sample_portal.bulk import BulkSite

    site = BulkSite(url.split("/qingshan/", 1)[0], pages)

    class BareSpider(Spider):
        name = "bare"

        async def start(self) -> Any:
            yield Request(url, self.parse)

        def parse(self, response: Response) -> Iterator[Request]:
            if not isinstance(response, TextResponse):
                return
            for href in response.xpath("//a/@href").getall():
                target = response.urljoin(href)
                if site.followed(target):
                    yield Request(target, self.parse)

    # Our settings exactly (politeness, retries, size caps, this run's config), minus our parts;
    # where we replace one of Scrapy's own middlewares (a faster equivalent), the bare
    # spider gets the replacement too, so the comparison measures only our additions.
    settings = scrapy_settings(crawl_job(load_config(config), [url]), None)
    ours = settings.getdict("DOWNLOADER_MIDDLEWARES")
    kept = {name: ours[name] for name in SCRAPY_REPLACEMENTS}
    for name in ("DOWNLOADER_MIDDLEWARES", "ITEM_PIPELINES", "EXTENSIONS"):
        settings.set(name, {}, priority="cmdline")
    settings.set("DOWNLOADER_MIDDLEWARES", kept, priority="cmdline")
    started = time.monotonic()
    process = AsyncCrawlerProcess(settings)
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler)
    process.start()
    assert crawler.stats is not None
    responses = int(crawler.stats.get_value("response_received_count", 0))
    print(json.dumps({"seconds": time.monotonic() - started, "responses": responses}))


# -- measuring a child process --------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found += [int(c) for c in handle.read().split()]
    except OSError:
        pass
    return found


def _hwm_mb(pid: int) -> tuple[str, float] | None:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            command = handle.read().replace(b"\0", b" ").decode(errors="replace")
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return command, int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


class PeakSampler:
    """Reads VmHWM of a process and its descendants while it runs (VmHWM only grows)."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self.pid, self.interval = pid, interval
        self.peaks: dict[int, tuple[str, float]] = {}
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self) -> None:
        while not self.done.wait(self.interval):
            stack = [self.pid]
            while stack:
                pid = stack.pop()
                stack += _children(pid)
                sample = _hwm_mb(pid)
                if sample is not None:
                    self.peaks[pid] = sample

    def stop(self) -> None:
        self.done.set()
        self.thread.join()

    def peak_of(self, marker: str) -> float:
        """The peak of the processes whose command line contains ``marker``."""
        return max((mb for cmd, mb in self.peaks.values() if marker in cmd), default=0.0)


def run_child(command: list[str], marker: str) -> tuple[str, float, float, float]:
    """Run ``command``; return its stdout, wall seconds, crawl-process and whole-tree peak MB."""
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, cwd=ROOT)
    sampler = PeakSampler(process.pid)
    assert process.stdout is not None
    out = process.stdout.read().decode()
    # wait4 gives the tree's largest max RSS, including processes that lived between samples.
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.monotonic() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    sampler.stop()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {process.returncode}")
    return out, wall, sampler.peak_of(marker), max(usage.ru_maxrss / 1024, *sampler_all(sampler))


def sampler_all(sampler: PeakSampler) -> list[float]:
    return [mb for _cmd, mb in sampler.peaks.values()] or [0.0]


# -- the benchmark ---------------------------------------------------------------------------------


@contextmanager
def served(pages: int) -> Iterator[tuple[str, Any, int]]:
    """The bulk portal on 127.0.0.1 in a thread; yields its start URL and request log."""
    from crawler.sample_portal.bulk import BulkSite
    from crawler.sample_portal.server import PortalHTTPServer, RequestLog

    log = RequestLog()
    server = PortalHTTPServer(("127.0.0.1", 0), log)
    site = BulkSite(f"http://127.0.0.1:{server.server_port}", pages)
    _ = site.files  # render the attachment pool before any crawl
    server.site = site  # type: ignore[assignment]  # BulkSite answers like a Site
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site.home_url, log, site.crawl_targets()
    finally:
        server.shutdown()
        server.server_close()


def write_config(tmp: Path, concurrency: int, workers: int) -> Path:
    """The one configuration both crawls read."""
    import yaml

    config = {
        "database_url": f"sqlite:///{tmp / 'bench.db'}",
        "store_dir": str(tmp / "files"),
        "crawl": {
            "autothrottle": False,
            "download_delay": 0,
            "concurrency": concurrency,
            "concurrency_per_domain": concurrency,
        },
        "extract": {"workers": workers},
    }
    path = tmp / "budgetwatch.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def bare_run(url: str, config: Path, pages: int, log: Any) -> Run:
    before = len(log.snapshot())
    command = [sys.executable, __file__, "--bare", url, str(config), str(pages)]
    out, wall, peak, tree = run_child(command, "--bare")
    report = json.loads(out.strip().splitlines()[-1])
    responses = len(log.snapshot()) - before
    return Run("bare scrapy", responses, wall, report["seconds"], peak, tree)


def ours_run(url: str, config: Path, tmp: Path, log: Any) -> tuple[Run, dict[str, Any]]:
    before = len(log.snapshot())
    budgetwatch = str(Path(sys.executable).with_name("budgetwatch"))
    command = [budgetwatch, "crawl", "--config", str(config), "--start-url", url, "--json"]
    out, wall, peak, tree = run_child(command, "crawler.run")
    summary = json.loads(out.strip().splitlines()[-1])
    responses = len(log.snapshot()) - before
    return Run("budgetwatch crawl", responses, wall, summary["seconds"], peak, tree), summary


def show(runs: list[Run], expected: int, summary: dict[str, Any]) -> float:
    print(f"site: {expected} responses expected from a complete crawl")
    print(f"{'':18} {'responses':>9} {'wall s':>7} {'pages/s':>8} {'crawl s':>8} {'pages/s':>8} "
          f"{'peak MB':>8} {'tree MB':>8}")  # fmt: skip
    for r in runs:
        print(f"{r.name:18} {r.responses:9d} {r.wall_seconds:7.1f} {r.rate:8.1f} "
              f"{r.crawl_seconds:8.1f} {r.crawl_rate:8.1f} {r.peak_crawl_mb:8.0f} {r.peak_tree_mb:8.0f}")  # fmt: skip
    bare, ours = runs
    ratio = ours.rate / bare.rate
    print(f"ratio ours/bare: {ratio:.2f} (wall), {ours.crawl_rate / bare.crawl_rate:.2f} (crawl only)"
          f" — goal ≥ {GOAL}")  # fmt: skip
    print(f"budgetwatch documents: {json.dumps(summary['documents'])}, "
          f"disclosures {summary['disclosures']}")  # fmt: skip
    return ratio


def main() -> int:
    if len(sys.argv) == 5 and sys.argv[1] == "--bare":
        bare_main(sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=6000, help="responses of a full crawl (about)")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight")
    parser.add_argument("--workers", type=int, default=1, help="extraction worker processes")
    parser.add_argument("--json", action="store_true", help="print one JSON object at the end")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as name, served(args.pages) as portal:
        url, log, expected = portal
        config = write_config(Path(name), args.concurrency, args.workers)
        bare = bare_run(url, config, args.pages, log)
        ours, summary = ours_run(url, config, Path(name), log)
    ratio = show([bare, ours], expected, summary)
    if args.json:
        runs = {r.name: {**asdict(r), "rate": r.rate} for r in (bare, ours)}
        print(json.dumps({"expected": expected, "ratio": ratio, "runs": runs}))
    mismatch = {r.name: r.responses for r in (bare, ours) if r.responses != expected}
    if mismatch:
        print(f"warning: responses differ from the expected {expected}: {mismatch}")
    return 0 if ratio >= GOAL and not mismatch else 1


if __name__ == "__main__":
    sys.exit(main())
