"""The command line as people type it: options before the command, output cut short by `head`,
Ctrl-C on the dashboard, a readable `config show`, aligned `report` columns, signed money."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from engine.cli.main import main
from engine.config.schema import Phase3Config
from engine.config.store import ConfigStore, parse_value, set_key, validate
from engine.home import resolve_home
from engine.services import Desk
from tests.conftest import spec

AURUM = str(Path(sys.executable).parent / "aurum")
WIDTH = 100  # columns `config show` keeps to
BROKEN_PIPE_EXIT = 141  # 128 + SIGPIPE, as the shell reports `cat` cut short by `head`


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def aurum(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([AURUM, *args], capture_output=True, text=True, timeout=timeout)


# --- --home before or after the command ----------------------------------------------------------


def test_home_before_the_command_works_in_a_fresh_process(home: Path):
    before = aurum("--home", str(home), "models")
    after = aurum("models", "--home", str(home))
    assert before.returncode == 0, before.stderr
    assert "Run `aurum demo`" in before.stdout and before.stdout == after.stdout


def test_home_before_a_subcommand_action_reaches_that_home(
    home: Path, capsys: pytest.CaptureFixture[str]
):
    """`config --home D set` and `--home D config set` change D's config, never the project's
    (argparse's subcommand used to reset an earlier --home to None: the default home)."""
    h = str(home)
    assert run(capsys, "config", "--home", h, "set", "max_models_to_keep", "4")[0] == 0
    assert (
        run(capsys, "--home", h, "--actor", "olga", "config", "set", "max_models_to_keep", "5")[0]
        == 0
    )
    assert ConfigStore(resolve_home(h).config_file, None).load().max_models_to_keep == 5
    with Desk.open(h) as desk:
        actors = [c.actor for c in desk.config_history()]
    assert actors[0] == "olga" and actors[1].startswith("cli")
    code, out, _ = run(capsys, "token", "--home", h, "list", "--json")
    assert (code, json.loads(out)) == (0, [])


@pytest.mark.sqlite_only  # on the PostgreSQL run every home shares the test's server database
def test_home_before_the_command_names_an_uninitialised_home(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    code, _, err = run(capsys, "--home", str(tmp_path / "nowhere"), "models")
    assert code == 1 and "run `aurum init` first" in err and str(tmp_path / "nowhere") in err


# --- output cut short ----------------------------------------------------------------------------


def _into_a_closed_pipe(*args: str) -> subprocess.CompletedProcess[str]:
    """Run aurum with stdout a pipe whose reader is already gone (`aurum ... | head -0`)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.Popen([AURUM, *args], stdout=write_end, stderr=subprocess.PIPE, text=True)
    finally:
        os.close(write_end)
    _, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, "", err)


@pytest.mark.parametrize("command", [["models"], ["config", "show"], ["report", "--json"]])
def test_a_reader_that_stops_early_ends_the_command_quietly(home: Path, command: list[str]):
    done = _into_a_closed_pipe(*command, "--home", str(home))
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr, done.stderr
    assert done.stderr == "" and done.returncode == BROKEN_PIPE_EXIT


def test_head_reads_the_first_line_and_the_rest_goes_nowhere(home: Path):
    shell = f"{AURUM} config show --home {home} | head -n 1"
    done = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, timeout=120)
    assert done.stdout == f"# {home / 'config' / 'phase3_config.json'}\n"
    assert done.stderr == ""


# --- Ctrl-C on the dashboard ---------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as r:
            return r.read().decode().strip() == "ok"
    except OSError:
        return False


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.slow
@pytest.mark.parametrize("started_by", ["terminal", "script in the background"])
def test_sigint_stops_the_dashboard_within_seconds(home: Path, started_by: str):
    """A terminal's Ctrl-C, or `kill -INT` of a dashboard a script started with `&` (which
    leaves SIGINT ignored): the command and its Streamlit server are gone within 5 s."""
    port = _free_port()

    def as_a_background_job() -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    proc = subprocess.Popen(
        [AURUM, "dashboard", "--port", str(port), "--home", str(home)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=as_a_background_job if started_by != "terminal" else None,
    )
    try:
        deadline = time.monotonic() + 90
        while not _healthy(port):
            assert proc.poll() is None and time.monotonic() < deadline, "dashboard did not start"
            time.sleep(0.3)
        asked = time.monotonic()
        if started_by == "terminal":
            os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C does: the foreground group
        else:
            proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=15)
        took = time.monotonic() - asked
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        _, err = proc.communicate()
    assert code == 0 and took < 5.0, (took, err)
    assert "Traceback" not in err
    deadline = time.monotonic() + 2
    while _listening(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _listening(port)  # no Streamlit left behind


# --- config show ---------------------------------------------------------------------------------


def _shown_values(text: str) -> dict[str, str]:
    """KEY -> the text of its value in `config show`'s output (`KEY = VALUE`, a long value
    continuing over the lines up to its `    # ` notes)."""
    values: dict[str, list[str]] = {}
    key = None
    for line in text.splitlines():
        found = re.match(r"^([a-z_][a-z0-9_.]*) = (.*)$", line)
        if found:
            key = found.group(1)
            values[key] = [found.group(2)]
        elif key and line and not line.startswith(("    # ", "#")):
            values[key].append(line)
        elif line.startswith("    # "):
            key = None
    return {k: "\n".join(v) for k, v in values.items()}


def test_config_show_is_readable_and_prints_what_config_set_takes(
    home: Path, capsys: pytest.CaptureFixture[str]
):
    h = str(home)
    assert run(capsys, "config", "set", "alerts.rules", '["drawdown"]', "--home", h)[0] == 0
    code, out, _ = run(capsys, "config", "show", "--home", h)
    assert code == 0
    lines = [
        line for line in out.splitlines() if h not in line
    ]  # the file's path: as long as it is
    assert len(lines) < len(out.splitlines()) and max(len(line) for line in lines) <= WIDTH
    code, raw, _ = run(capsys, "config", "show", "--home", h, "--json")
    nested = json.loads(raw)
    shown = _shown_values(out)
    flat = {}
    for section, value in nested.items():
        if isinstance(value, dict):
            flat.update({f"{section}.{k}": v for k, v in value.items()})
        else:
            flat[section] = value
    assert set(shown) == set(flat)
    for key, text in shown.items():
        assert json.loads(text) == flat[key], key  # the JSON of the value...
        assert parse_value(text) == flat[key]  # ...which `config set` reads back as that value
        validate(set_key(nested, key, parse_value(text)), source="test")
    assert shown["adaptive_learning_enabled"] == "true"
    assert shown["alerts.webhook_url"] == '""' and shown["learning.symbol"] == '"XAUUSD"'
    assert "learning.search_space = {\n" in out  # a long value spread over lines, still JSON
    block = out[out.index("alerts.rules = ") :].splitlines()
    assert block[:3] == [
        'alerts.rules = ["drawdown"]',
        "    # default: [",
        '    #   "live_metrics",',
    ]
    end = block.index("    # ]")
    default = "\n".join(line.removeprefix("    # ") for line in block[1 : end + 1])
    assert json.loads(default.removeprefix("default: ")) == Phase3Config().alerts.rules
    assert "True" not in out.replace("true", "")  # never Python's spelling


def test_config_set_reports_the_change_as_json(home: Path, capsys: pytest.CaptureFixture[str]):
    code, out, _ = run(
        capsys, "config", "set", "auto_model_switching", "false", "--home", str(home)
    )
    assert (code, out.strip()) == (0, "auto_model_switching: true -> false")


# --- report and money ----------------------------------------------------------------------------


@pytest.fixture
def served(home: Path, small_model: object) -> Path:
    with Desk.open(str(home)) as desk:
        desk.registry.register(
            small_model,
            spec(expectancy=-3.4567, net_profit=-1234.5678, baseline_net_profit=-2086.054),
        )
        desk.registry.activate(1, actor="test", reason="report")
    return home


def test_report_values_start_in_one_column(served: Path, capsys: pytest.CaptureFixture[str]):
    code, out, _ = run(capsys, "report", "--home", str(served))
    labelled = [line for line in out.splitlines() if re.match(r"^[a-z][a-z_ ]+ {2,}\S", line)]
    starts = {re.match(r"^[a-z][a-z_ ]*?\s{2,}", line).end() for line in labelled}  # type: ignore[union-attr]
    assert code == 0 and len(labelled) >= 3 and len(starts) == 1, labelled


def test_money_is_signed_before_the_currency_symbol(
    served: Path, capsys: pytest.CaptureFixture[str]
):
    h = str(served)
    code, out, _ = run(capsys, "models", "--home", h)
    assert code == 0 and "-$3.46" in out and "$-" not in out
    code, out, _ = run(capsys, "show", "1", "--home", h)
    shown = out[out.index("metrics (backtest") :].splitlines()[1:4]
    assert shown == [
        "  expectancy           -$3.46",
        "  net_profit           -$1,234.57",
        "  baseline_net_profit  -$2,086.05",  # a baseline's money is money too
    ]
    assert run(capsys, "config", "set", "account.currency", "EUR", "--home", h)[0] == 0
    code, out, _ = run(capsys, "models", "--home", h)
    assert "-€3.46" in out and "€-" not in out and "$" not in out.split("Money in")[0]


def test_a_dict_value_shown_by_config_show_can_be_set_whole(
    home: Path, capsys: pytest.CaptureFixture[str]
):
    """learning.search_space is one value (an object): `config set` takes it as shown; a
    section is still refused."""
    h = str(home)
    space = {"logistic_regression": {"C": [0.1, 1.0]}}
    code, _, err = run(
        capsys, "config", "set", "learning.search_space", json.dumps(space), "--home", h
    )
    assert code == 0, err
    assert ConfigStore(resolve_home(h).config_file, None).load().learning.search_space == space
    code, _, err = run(capsys, "config", "set", "learning", "{}", "--home", h)
    assert code == 1 and "'learning' is a section" in err
