"""A throwaway PostgreSQL server for the test suite: Debian's packages, a temporary data directory,
a free loopback port, stopped and deleted afterwards.

`python -m tests.postgres_server [pytest args...]` installs PostgreSQL from Debian when it is
missing (as root; otherwise it says which command to run), starts a server, runs pytest with
`AURUM_TEST_POSTGRES_URL` pointing at it (tests/conftest.py then gives every test its own fresh
database), and stops the server whatever the outcome. `make test-postgres` calls this.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ADMIN_USER = "aurum"
# Test tuning only: the suite never crashes the server, so durability of the server's own files is
# not under test (the crash trials kill Aurum's processes, not PostgreSQL).
SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "max_connections": "300",
    "fsync": "off",
    "full_page_writes": "off",
    "synchronous_commit": "off",
    "log_min_messages": "warning",
}


def find_bin_dir() -> Path | None:
    """The newest installed PostgreSQL server's bin folder (Debian layout), if any."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    return candidates[-1].parent if candidates else None


def ensure_installed() -> Path:
    """Find PostgreSQL, installing Debian's `postgresql` package when missing and allowed."""
    found = find_bin_dir()
    if found is not None:
        return found
    if os.geteuid() != 0:
        raise SystemExit(
            "PostgreSQL is not installed: run `sudo apt-get update && sudo apt-get install -y "
            "postgresql`, then `make test-postgres` again."
        )
    print("installing PostgreSQL from Debian packages ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "postgresql"], check=True, env=env)
    found = find_bin_dir()
    if found is None:
        raise SystemExit("apt-get installed postgresql but no /usr/lib/postgresql/*/bin/initdb")
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_server_user(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: CI runs as root, so run it as the `postgres` account."""
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--", *cmd]


@contextmanager
def running_server() -> Iterator[str]:
    """Start a fresh server; yield its admin URL (SQLAlchemy form); stop and delete it after."""
    bin_dir = ensure_installed()
    root = Path(tempfile.mkdtemp(prefix="aurum-pg-"))
    data, log = root / "data", root / "server.log"
    if os.geteuid() == 0:
        shutil.chown(root, user="postgres")
    port = _free_port()
    try:
        subprocess.run(
            _as_server_user([
                str(bin_dir / "initdb"), "-D", str(data), "-U", ADMIN_USER, "--auth=trust",
                "-E", "UTF8", "--locale=C", "--no-sync",
            ]),
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        options = " ".join(f"-c {key}={value}" for key, value in SERVER_SETTINGS.items())
        options += f" -p {port} -c unix_socket_directories={root}"
        subprocess.run(
            _as_server_user([
                str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options,
                "-w", "-t", "60", "start",
            ]),
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        yield f"postgresql+psycopg://{ADMIN_USER}@127.0.0.1:{port}/postgres"
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                _as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"]),
                check=False, stdout=subprocess.DEVNULL,
            )  # fmt: skip
        if log.exists() and os.environ.get("AURUM_KEEP_PG_LOG"):
            print(log.read_text(), file=sys.stderr)
        shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str]) -> int:
    with running_server() as url:
        print(f"PostgreSQL test server at {url}", flush=True)
        env = {**os.environ, "AURUM_TEST_POSTGRES_URL": url}
        started = time.monotonic()
        code = subprocess.run([sys.executable, "-m", "pytest", *argv], env=env).returncode
        print(f"pytest on PostgreSQL: exit {code} after {time.monotonic() - started:.0f} s")
        return code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
