"""Expensive desks built once per test run, then copied by each test that needs one.

`shared_template(name, build)` returns a folder that `build` filled: the first process that asks
builds it under a file lock, every other process of the run (pytest-xdist workers) waits for it
and reuses it. The folder lives in the run's template directory: made by the main pytest process
(`AURUM_TEST_TEMPLATES`, inherited by the workers) and removed when the run ends; a process
outside such a run (a script importing the fixtures) gets a private one, removed at exit.
Templates are read-only by convention: tests copy them (`shutil.copytree`) and change the copy.
"""

from __future__ import annotations

import atexit
import fcntl
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

ENV = "AURUM_TEST_TEMPLATES"


def open_run_directory() -> Path:
    """In the main pytest process: the run's template directory (shared by its workers)."""
    folder = Path(tempfile.mkdtemp(prefix="aurum-templates-"))
    os.environ[ENV] = str(folder)
    return folder


def close_run_directory(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    if os.environ.get(ENV) == str(folder):
        del os.environ[ENV]


def _run_directory() -> Path:
    given = os.environ.get(ENV)
    if given and Path(given).is_dir():
        return Path(given)
    folder = open_run_directory()
    atexit.register(close_run_directory, folder)
    return folder


def shared_template(name: str, build: Callable[[Path], None]) -> Path:
    """The folder `name` of this run's templates, filled by `build(folder)` exactly once; a
    build that raised leaves nothing behind (the next caller builds again)."""
    root = _run_directory()
    target, done = root / name, root / f"{name}.done"
    with (root / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not done.exists():
            shutil.rmtree(target, ignore_errors=True)
            try:
                build(target)
            except BaseException:
                shutil.rmtree(target, ignore_errors=True)
                raise
            done.touch()
    return target
