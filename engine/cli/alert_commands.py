"""`aurum alerts [list | test | check]`: recent alerts, a test to the webhook, one check now."""

from __future__ import annotations

import argparse

from engine.alerts.store import AlertRecord
from engine.cli.main import _actor, _emit
from engine.cli.render import table
from engine.errors import AlertDeliveryError
from engine.services import Desk


def run(args: argparse.Namespace) -> None:
    with Desk.open(args.home) as desk:
        if args.action == "test":
            _test(args, desk)
        elif args.action == "check":
            _check(args, desk)
        else:
            _list(args, desk)


def delivery_text(alert: AlertRecord) -> str:
    """`delivered (1 attempt)`, `pending (2 attempts): HTTP 500 …`, `recorded`."""
    status, attempts = alert.status, alert.attempts
    text = f"{status} ({attempts} attempt{'s' if attempts != 1 else ''})" if attempts else status
    return text + (f": {alert.last_error}" if alert.last_error and status != "delivered" else "")


def _list(args: argparse.Namespace, desk: Desk) -> None:
    from engine.alerts.delivery import masked_url, webhook_url

    alerts = desk.alerts(args.limit)
    url = webhook_url(desk.config().alerts)

    def text() -> str:
        where = f"webhook {masked_url(url)}" if url else "no webhook (alerts.webhook_url empty)"
        if not alerts:
            return f"no alerts yet; {where}"
        rows = [
            [
                a.id,
                f"{a.created_at:%Y-%m-%d %H:%M:%S}",
                a.severity,
                a.rule,
                a.message,
                delivery_text(a),
            ]
            for a in alerts
        ]
        headers = ["id", "time (UTC)", "severity", "rule", "message", "delivery"]
        return table(headers, rows) + f"\n{where}"

    _emit(args, alerts, text)


def _test(args: argparse.Namespace, desk: Desk) -> None:
    from engine.alerts.delivery import masked_url, webhook_url

    alert = desk.send_test_alert(actor=_actor(args))
    where = masked_url(webhook_url(desk.config().alerts))
    if alert.status != "delivered":
        raise AlertDeliveryError(
            f"test alert #{alert.id} did not reach {where}: {alert.last_error}; it stays "
            "pending and the background services retry it (`aurum alerts` shows it)"
        )
    _emit(args, alert, lambda: f"test alert #{alert.id} delivered to {where}")


def _check(args: argparse.Namespace, desk: Desk) -> None:
    cycle = desk.check_alerts()

    def text() -> str:
        lines = [f"#{a.id} [{a.severity}] {a.rule}: {a.message}" for a in cycle.raised]
        d = cycle.delivery
        lines.append(
            f"{len(cycle.raised)} new alert(s); delivered {len(d.delivered)}, "
            f"retrying {len(d.retrying)}, failed {len(d.failed)}"
        )
        return "\n".join(lines)

    _emit(args, cycle, text)
