"""Old binary Word (.doc, also RTF and .wps): converted to .docx by LibreOffice, then read.

There is no maintained pure-Python reader for the Word 97 binary format, so
LibreOffice runs headless in a subprocess: its own throwaway profile (so runs
never share or lock one), a timeout, and its own process group so that a
hung converter is killed with all its children.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from extract.model import RawDocument
from storage.errors import InputError

# Seconds; a first run also builds the profile.  Keep it below the sandbox's
# per-file timeout so that this timeout, which kills LibreOffice's whole process
# group, fires first.
CONVERT_TIMEOUT = 60.0
INSTALL_HINT = "install LibreOffice Writer: apt-get install libreoffice-writer-nogui"


def find_soffice() -> str | None:
    """The LibreOffice executable on PATH, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def read_doc(path: Path, source: str) -> RawDocument:
    """Convert a .doc to .docx with headless LibreOffice and read the result."""
    soffice = find_soffice()
    if soffice is None:
        raise InputError(
            f"{source}: cannot read old Word (.doc) files: LibreOffice is not installed ({INSTALL_HINT})"
        )
    from extract.readers.docx import read_docx

    with tempfile.TemporaryDirectory(prefix="budgetwatch-doc-") as tmp:
        work = Path(tmp)
        # A plain ASCII name: LibreOffice mangles some non-ASCII paths, and the output name follows it.
        original = work / "input.doc"
        shutil.copyfile(path, original)
        converted = convert_to_docx(soffice, original, work, source)
        return read_docx(converted, source, fmt="doc")


def convert_to_docx(soffice: str, original: Path, work: Path, source: str) -> Path:
    """Run LibreOffice once; return the .docx it wrote or raise InputError."""
    outdir = work / "out"
    command = [
        soffice,
        f"-env:UserInstallation={(work / 'profile').as_uri()}",
        "--headless", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
        "--convert-to", "docx", "--outdir", str(outdir), str(original),
    ]  # fmt: skip
    # No proxies and a private HOME: the conversion needs no network and no user state.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(work), "LANG": "C.UTF-8"}
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, start_new_session=True
    ) as process:
        try:
            output, _ = process.communicate(timeout=CONVERT_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise InputError(
                f"{source}: LibreOffice did not convert the .doc within {CONVERT_TIMEOUT:.0f} s"
            ) from None
    result = outdir / "input.docx"
    if process.returncode != 0 or not result.exists():
        detail = output.decode("utf-8", errors="replace").strip()[-300:]
        raise InputError(
            f"{source}: LibreOffice could not convert the .doc (exit {process.returncode}: {detail})"
        )
    return result
