"""Serve the sample portal from the command line: ``python -m crawler.sample_portal --port 8000``.

The first line printed is ``sample portal at http://HOST:PORT/ (version N)``, so a test that runs
the portal in a subprocess with ``--port 0`` can read the URL from it.
"""

from __future__ import annotations

import argparse
import contextlib

from crawler.sample_portal.portal import SamplePortal


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, print the county home pages, and serve until Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m crawler.sample_portal", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to bind (0 = any free port)")
    parser.add_argument(
        "--big-file-mb",
        type=float,
        default=3.0,
        help="size of the oversized attachment in MB (default 3)",
    )
    parser.add_argument(
        "--bumps",
        type=int,
        default=0,
        help="serve as if bump_version() had been called this many times",
    )
    args = parser.parse_args(argv)
    portal = SamplePortal(args.host, args.port, big_file_mb=args.big_file_mb)
    for _ in range(args.bumps):
        portal.bump_version()
    print(f"sample portal at {portal.base_url}/ (version {portal.version})", flush=True)
    for name, url in portal.county_urls.items():
        print(f"  {name}  {url}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is the normal way to stop
        portal.serve_forever()


if __name__ == "__main__":
    main()
