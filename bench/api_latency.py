"""HTTP bridge latency: p50/p99 of `POST /v1/signal` with 500 bars over a real server on loopback.

    .venv/bin/python bench/api_latency.py [--calls 2000] [--algorithm hist_gradient_boosting]

Not a test: prints figures for docs/BENCHMARKS.md ("HTTP bridge latency"; issue 19's target at
load ≤ 1: p50 ≤ 3 ms, p99 ≤ 15 ms, ≤ 4 ms of server CPU per call).
The server is `aurum serve-api` in its own process, as a trader runs it (access log
on, to a file); the client is one keep-alive HTTP/1.1 connection, as an EA's bridge holds it.
Each call sends a different 500-bar window (oldest first, columns), so nothing is cached.
Besides wall-clock percentiles it prints the CPU time per call of the server process and of the
client: what a call costs when the two cores are not shared with other work.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WINDOW = 500


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def served_desk(algorithm: str) -> Any:
    from tests.learner.conftest import fast_desk, learn_and_serve

    desk = fast_desk(Path(tempfile.mkdtemp(prefix="aurum-bench-api-")), n_bars=6000, momentum=0.25)
    desk.set_config("learning.algorithms", f'["{algorithm}"]', actor="bench")
    desk.set_config("selection.min_trades", "1", actor="bench")
    # 500 bars serve a model whose higher timeframe is M30 (384 bars); with H1 it needs 768
    desk.set_config("features.higher_timeframe", '"M30"', actor="bench")
    learn_and_serve(desk, actor="bench")  # the first-version gates may refuse it: served anyway
    return desk


def bodies(desk: Any, count: int) -> list[bytes]:
    """`count` request bodies: 500-bar windows ending at successive bars (cycled)."""
    bars = desk.bars("XAUUSD", "M5")
    secs = (bars["time"].astype("int64") // 1_000_000_000).tolist()
    cols = {c: bars[c].tolist() for c in ("open", "high", "low", "close")}
    ticks, spread = bars["tick_volume"].astype(int).tolist(), bars["spread_points"].astype(int)
    spreads = spread.tolist()
    ends = range(len(bars) - 1000, len(bars))
    out = []
    for k in range(count):
        end = ends[k % len(ends)]
        window = slice(end - WINDOW, end)
        payload = {
            "symbol": "XAUUSD",
            "timeframe": "M5",
            "bars": {
                "time": secs[window],
                **{c: v[window] for c, v in cols.items()},
                "tick_volume": ticks[window],
                "spread": spreads[window],
            },
        }
        out.append(json.dumps(payload).encode())
    return out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    home: Path, port: int, log: Path, extra: tuple[str, ...] = ()
) -> subprocess.Popen[bytes]:
    exe = Path(sys.executable).parent / "aurum"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(exe), "serve-api", "--home", str(home), "--port", str(port), *extra],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 120
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start:\n{log.read_text()}") from None
            time.sleep(0.1)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(port: int, token: str, payloads: list[bytes], warmup: int) -> list[float]:
    """Milliseconds per call, from sending the request to the whole response read."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    times = []
    for k, body in enumerate(payloads):
        start = time.perf_counter()
        conn.request("POST", "/v1/signal", body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        elapsed = (time.perf_counter() - start) * 1000
        if response.status != 200:
            raise RuntimeError(f"{response.status}: {data[:300]!r}")
        if k >= warmup:
            times.append(elapsed)
    conn.close()
    return times


def stages(desk: Any, payloads: list[bytes]) -> str:
    """The server's work per call outside HTTP, timed in this process (p50 of 500 calls each):
    reading the body into the request model, the bars into arrays, the signal itself."""
    import pydantic_core

    from engine.api.bridge import Bridge, bar_arrays
    from engine.api.models import SignalRequest

    bridge = Bridge(desk)
    bridge.warm()
    sample = payloads[:500]

    def p50(step: Any, inputs: list[Any]) -> tuple[float, list[Any]]:
        times, outs = [], []
        for item in inputs:
            start = time.perf_counter()
            outs.append(step(item))
            times.append((time.perf_counter() - start) * 1000)
        return percentile(times, 0.5), outs

    read = SignalRequest.model_validate
    parse, requests = p50(lambda body: read(pydantic_core.from_json(body)), sample)
    arrays, bars = p50(lambda r: bar_arrays(r.bars), requests)
    signal, _ = p50(
        lambda a: bridge.controller.predict_signal(a, symbol="XAUUSD", timeframe="M5"), bars
    )
    return f"body -> model {parse:.2f} ms, model -> arrays {arrays:.2f} ms, signal {signal:.2f} ms"


def run(algorithm: str, calls: int, warmup: int, extra: tuple[str, ...]) -> None:
    from engine.api.tokens import add_token

    desk = served_desk(algorithm)
    token = add_token(desk, "bench", actor="bench").token
    payloads = bodies(desk, calls + warmup)
    home = desk.paths.root
    in_process = stages(desk, payloads)
    desk.close()
    port = free_port()
    proc = start_server(home, port, home / "serve-api.log", extra)
    try:
        load_before = os.getloadavg()
        cpu_before, client_before = cpu_seconds(proc.pid), time.process_time()
        times = measure(port, token, payloads, warmup)
        server_cpu = (cpu_seconds(proc.pid) - cpu_before) / len(payloads) * 1000
        client_cpu = (time.process_time() - client_before) / len(payloads) * 1000
        load_after = os.getloadavg()
    finally:
        proc.terminate()
        proc.wait(30)
        shutil.rmtree(home, ignore_errors=True)
    size = statistics.mean(len(p) for p in payloads) / 1024
    name = algorithm + (" (no access log)" if extra else "")
    print(
        f"{name}: {len(times)} calls of {WINDOW} bars ({size:.0f} KiB bodies): "
        f"p50 {percentile(times, 0.5):.2f} ms, p90 {percentile(times, 0.9):.2f} ms, "
        f"p99 {percentile(times, 0.99):.2f} ms, max {max(times):.2f} ms, "
        f"mean {statistics.mean(times):.2f} ms; CPU per call: server {server_cpu:.2f} ms, "
        f"client {client_cpu:.2f} ms; load average (1/5/15 min) before "
        f"{'/'.join(f'{x:.2f}' for x in load_before)}, after "
        f"{'/'.join(f'{x:.2f}' for x in load_after)}",
        flush=True,
    )
    print(f"  in process, p50 per stage: {in_process}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=2000, help="timed calls (default 2000)")
    parser.add_argument("--warmup", type=int, default=100, help="untimed calls first")
    parser.add_argument(
        "--algorithm",
        action="append",
        help="model of the served desk (repeatable; default logistic_regression and "
        "hist_gradient_boosting)",
    )
    parser.add_argument(
        "--no-access-log", action="store_true", help="run the server without its access log"
    )
    args = parser.parse_args()
    extra = ("--no-access-log",) if args.no_access_log else ()
    print(f"{os.cpu_count()} CPUs; Python {sys.version.split()[0]}", flush=True)
    for algorithm in args.algorithm or ["logistic_regression", "hist_gradient_boosting"]:
        run(algorithm, args.calls, args.warmup, extra)


if __name__ == "__main__":
    main()
