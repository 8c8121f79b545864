"""Misbehaving tasks for the sandbox tests, run inside worker processes.

They live in their own small module so that workers import them by name
without importing pytest or the test modules.
"""

from __future__ import annotations

import os
import signal
import tempfile
import time

from storage.errors import InputError


def behave(action: str, arg: float = 0) -> object:
    """Do one thing a bad document could make a parser do, or answer normally."""
    if action == "echo":
        return arg
    if action == "pid":
        return os.getpid()
    if action == "sleep":
        time.sleep(arg)  # stands in for a parser spinning on a hostile PDF
        return arg
    if action == "allocate":
        block = bytearray(int(arg) << 20)  # arg MB, more than the worker's limit
        return len(block)
    if action == "kill":
        os.kill(os.getpid(), signal.SIGKILL)  # stands in for a segfault in a C library
    if action == "tempfile":
        handle, name = tempfile.mkstemp(suffix=".pdf")  # as a reader extracting a member would
        os.close(handle)
        return name
    if action == "input":
        raise InputError(f"bad.pdf: page {arg:g}: cannot read text")
    raise ValueError(f"unknown action {action!r}")
