"""Real processes activating at the same moment: one active version, an unbroken event chain."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from engine.db.schema import Alias
from engine.services import Desk
from tests.conftest import spec

WORKER = textwrap.dedent(
    """
    import sys, time
    from engine.errors import RegistryError
    from engine.services import Desk
    home, version = sys.argv[1], int(sys.argv[2])
    rounds, start_at = int(sys.argv[3]), float(sys.argv[4])
    desk = Desk.open(home)
    while time.time() < start_at:
        time.sleep(0.001)
    done = 0
    for _ in range(rounds):
        try:
            desk.activate(version, actor=f"proc-{version}", reason="race")
            done += 1
        except RegistryError:
            pass  # already active: another process lost nothing
    print(done)
    """
)


@pytest.mark.slow
def test_concurrent_activations_from_four_processes(home: Path, small_model: Any):
    with Desk.open(str(home)) as desk:
        ids = [desk.registry.register(small_model, spec()).id for _ in range(4)]
    start_at = time.time() + 2.0
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(home), str(v), "15", str(start_at)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for v in ids
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in outputs]
    successes = sum(int(out.strip()) for out, _ in outputs)
    with Desk.open(str(home)) as desk:
        events = list(reversed(desk.registry.history(limit=10_000)))
        with desk.db.session() as s:
            aliases = s.scalars(select(Alias).where(Alias.alias == "active")).all()
    assert len(aliases) == 1
    assert len(events) == successes >= 4
    # no lost update: every move starts where the previous one ended
    for prev, cur in pairwise(events):
        assert cur.from_version_id == prev.to_version_id
    assert aliases[0].version_id == events[-1].to_version_id
