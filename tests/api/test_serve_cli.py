"""`aurum serve-api` as a trader starts it: a separate process on 127.0.0.1, stopped by SIGTERM."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from engine.api.server import exposure_warning
from engine.api.tokens import add_token
from engine.services import Desk
from tests.api.mt5_client import Mt5LikeClient


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_api_runs_on_loopback_and_stops_on_sigterm(api_home: Path):
    with Desk.open(str(api_home)) as desk:
        token = add_token(desk, "ea", actor="test").token
    port = free_port()
    exe = Path(sys.executable).parent / "aurum"
    proc = subprocess.Popen(
        [str(exe), "serve-api", "--home", str(api_home), "--port", str(port), "--no-access-log"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.stderr
                time.sleep(0.1)
        assert Mt5LikeClient(f"http://127.0.0.1:{port}", None).active().status == 401
        reply = Mt5LikeClient(f"http://127.0.0.1:{port}", token).active()
        assert reply.status == 200 and reply.body["active"][0]["version_id"] == 1
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    # a graceful stop; uvicorn then ends by the signal it was sent (as a service manager expects)
    assert proc.returncode == -signal.SIGTERM and "Finished server process" in err, err
    assert f"Aurum HTTP bridge: http://127.0.0.1:{port}/v1/" in out
    assert "1 live token(s)" in out and "WARNING" not in err


def test_listening_beyond_loopback_is_warned_about_loudly():
    for host in ("127.0.0.1", "localhost", "::1"):
        assert exposure_warning(host) is None
    warning = exposure_warning("0.0.0.0")
    assert warning is not None
    assert "WARNING: the Aurum HTTP bridge listens on 0.0.0.0" in warning
    assert "clear" in warning and "TLS" in warning
