"""A server run as a child process in the foreground (`aurum dashboard`), stopped by Ctrl-C.

Ctrl-C (SIGINT) or SIGTERM is passed on to the child, which gets `GRACE_SECONDS` to stop (the
dashboard's embedded services give their lease back), then it is killed; a second signal kills
it at once. The handlers are installed whatever this process inherited: a shell script that
starts `aurum dashboard &` leaves SIGINT ignored, and `kill -INT` would otherwise do nothing.
The child runs in its own process group, so a terminal's Ctrl-C reaches it once, through here.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import FrameType

GRACE_SECONDS = 3.0
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def run_child(command: Sequence[str], *, env: Mapping[str, str], cwd: Path) -> int:
    """Run `command` until it exits or this process is asked to stop; the child's exit code,
    or 0 when a stop was asked for."""
    child = subprocess.Popen(list(command), env=dict(env), cwd=cwd, process_group=0)
    asked: list[int] = []

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        asked.append(signum)
        if len(asked) == 1:
            print("stopping the dashboard…", file=sys.stderr, flush=True)
            _send(child, signal.SIGTERM)
        else:
            _send(child, signal.SIGKILL)

    previous = {s: signal.signal(s, on_signal) for s in STOP_SIGNALS}
    try:
        code = _wait(child, asked)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 0 if asked else code


def _wait(child: subprocess.Popen[bytes], asked: list[int]) -> int:
    deadline: float | None = None
    while True:
        try:
            return child.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            pass
        if asked and deadline is None:
            deadline = time.monotonic() + GRACE_SECONDS
        if deadline is not None and time.monotonic() > deadline:
            _send(child, signal.SIGKILL)
            return child.wait()


def _send(child: subprocess.Popen[bytes], signum: int) -> None:
    """`signum` to the child's process group (the child and whatever it started)."""
    if child.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):  # gone meanwhile
        os.killpg(child.pid, signum)
