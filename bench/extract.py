"""Benchmark: extraction speed against the floors of its own libraries.

PDFs: pages/s of budgetwatch's extraction against one plain pypdfium2 text
pass over the same files (goal: ratio <= 3).  Text documents: ms per
document against one full ``jieba.lcut`` pass over the same text (goal:
ratio <= 0.5).  Both sides run in this process, warm, best of N rounds, so
the ratios hold on any machine.  Also times the `budgetwatch extract --json`
command end to end (process start, workers) for the record.

    python bench/extract.py [--docs ../shared/corpus] [--rounds 3] [--workers 2]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

# This file is named extract.py like the package it measures; drop bench/ from
# the import path so that `import extract` finds the package, not this script.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import jieba  # noqa: E402
import pypdfium2 as pdfium  # noqa: E402

from extract import extract_file  # noqa: E402
from extract.readers.text import decode_bytes  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DOCS = ROOT.parent / "shared" / "corpus"


def best_of(rounds: int, work: Callable[[], object]) -> float:
    """The fastest of ``rounds`` runs, in seconds (the least disturbed by the machine)."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def plain_pdfium_pass(paths: list[Path]) -> int:
    """The floor: open each PDF and pull every page's text, nothing else."""
    pages = 0
    for path in paths:
        pdf = pdfium.PdfDocument(str(path))
        for page in pdf:
            page.get_textpage().get_text_bounded()
            pages += 1
        pdf.close()
    return pages


def extract_all(paths: list[Path]) -> None:
    for path in paths:
        extract_file(path)


def jieba_pass(texts: list[str]) -> None:
    for text in texts:
        jieba.lcut(text)


def command_seconds(paths: list[Path], workers: int) -> float:
    """Wall time of the real command line over the files, process start included."""
    command = [str(Path(sys.executable).with_name("budgetwatch")), "extract", "--json"]
    command += ["--workers", str(workers), *map(str, paths)]
    start = time.perf_counter()
    subprocess.run(command, capture_output=True, check=False)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=Path, default=DEFAULT_DOCS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    pdfs = sorted(args.docs.glob("*.pdf"))
    texts = sorted(args.docs.glob("*.txt"))
    if not pdfs and not texts:
        print(f"no documents in {args.docs}", file=sys.stderr)
        return 2
    jieba.initialize()  # both sides start warm: the dictionary load is not what we measure
    extract_all(pdfs[:1] + texts[:1])

    if pdfs:
        pages = plain_pdfium_pass(pdfs)
        floor = best_of(args.rounds, lambda: plain_pdfium_pass(pdfs))
        ours = best_of(args.rounds, lambda: extract_all(pdfs))
        print(f"PDF: {len(pdfs)} files, {pages} pages")
        print(f"  plain pypdfium2 text pass: {floor:.3f} s ({pages / floor:,.0f} pages/s)")
        print(f"  budgetwatch extraction:    {ours:.3f} s ({pages / ours:,.0f} pages/s)")
        print(f"  ratio extraction / plain pass: {ours / floor:.2f}  (goal <= 3)")
    if texts:
        bodies = [decode_bytes(p.read_bytes()) for p in texts]
        floor = best_of(args.rounds, lambda: jieba_pass(bodies))
        ours = best_of(args.rounds, lambda: extract_all(texts))
        print(f"Text: {len(texts)} documents, {sum(map(len, bodies)):,} characters")
        print(f"  full jieba.lcut pass: {1000 * floor / len(texts):.2f} ms/document")
        print(f"  budgetwatch extraction: {1000 * ours / len(texts):.2f} ms/document")
        print(f"  ratio extraction / jieba pass: {ours / floor:.2f}  (goal <= 0.5)")
    everything = pdfs + texts
    seconds = command_seconds(everything, args.workers)
    print(
        f"Command: budgetwatch extract --json --workers {args.workers} over {len(everything)} files: {seconds:.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
