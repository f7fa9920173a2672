"""PNG charts of a run over time, from Locust's per-second history (``locust_stats_history.csv``):
throughput (requests and failures per second, users) and latency percentiles (p50, p95, p99)."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from ops.loadtest.png import Canvas, Color

INK: Color = (40, 40, 40)
GRID: Color = (225, 225, 225)
PALETTE: tuple[Color, ...] = ((31, 119, 180), (214, 39, 40), (44, 160, 44), (148, 103, 189))
LEFT, RIGHT, TOP, BOTTOM = 72, 24, 44, 48


@dataclass(frozen=True)
class Series:
    name: str
    points: list[tuple[float, float]]
    """(seconds since the run started, value)"""


def history(csv_path: Path) -> dict[str, list[tuple[float, float]]]:
    """Each numeric column of the aggregated rows, as points in time."""
    columns: dict[str, list[tuple[float, float]]] = {}
    with csv_path.open(newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row.get("Name") == "Aggregated"]
    if not rows:
        return columns
    start = float(rows[0]["Timestamp"])
    for row in rows:
        t = float(row["Timestamp"]) - start
        for name, value in row.items():
            try:
                columns.setdefault(name, []).append((t, float(value)))
            except (TypeError, ValueError):
                continue  # "N/A" before the first response
    return columns


def by_user_count(csv_path: Path) -> list[tuple[int, float, float | None]]:
    """(users, mean requests/s, mean p95 ms) for each user count the run held: where a ramp saturates."""
    if not csv_path.exists():
        return []
    columns = history(csv_path)
    users = dict(columns.get("User Count", []))
    rates: dict[int, list[float]] = {}
    p95s: dict[int, list[float]] = {}
    for t, rate in columns.get("Requests/s", []):
        if users.get(t):
            rates.setdefault(int(users[t]), []).append(rate)
    for t, p95 in columns.get("95%", []):
        if users.get(t):
            p95s.setdefault(int(users[t]), []).append(p95)
    return [(count, sum(r) / len(r), sum(p95s[count]) / len(p95s[count]) if p95s.get(count) else None)
            for count, r in sorted(rates.items())]


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten that is at least ``value``."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return float(next(step * power for step in (1, 2, 5, 10) if step * power >= value))


def _label(value: float) -> str:
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def line_chart(title: str, unit: str, series: list[Series], width: int = 960, height: int = 420) -> Canvas:
    canvas = Canvas(width, height)
    plot_w, plot_h = width - LEFT - RIGHT, height - TOP - BOTTOM
    x_max = max((t for s in series for t, _ in s.points), default=1.0) or 1.0
    y_max = nice_ceiling(max((v for s in series for _, v in s.points), default=1.0))

    def at(t: float, v: float) -> tuple[int, int]:
        return LEFT + round(t / x_max * plot_w), TOP + plot_h - round(v / y_max * plot_h)

    for i in range(6):
        value = y_max * i / 5
        _, y = at(0, value)
        canvas.line(LEFT, y, LEFT + plot_w, y, GRID)
        label = _label(value)
        canvas.text(LEFT - 8 - canvas.text_width(label), y - 3, label, INK)
    for i in range(7):
        t = x_max * i / 6
        x, _ = at(t, 0)
        canvas.line(x, TOP + plot_h, x, TOP + plot_h + 4, INK)
        canvas.text(x - canvas.text_width(_label(t)) // 2, TOP + plot_h + 9, _label(t), INK)
    canvas.line(LEFT, TOP, LEFT, TOP + plot_h, INK)
    canvas.line(LEFT, TOP + plot_h, LEFT + plot_w, TOP + plot_h, INK)
    canvas.text(LEFT, 12, title, INK, scale=2)
    axis = f"X: SECONDS SINCE START, Y: {unit}"
    canvas.text(width - RIGHT - canvas.text_width(axis), height - 14, axis, INK)
    x = LEFT + canvas.text_width(title, 2) + 30
    for s, color in zip(series, PALETTE, strict=False):
        canvas.rect(x, 16, x + 9, 25, color)
        x = canvas.text(x + 14, 17, s.name, INK) + 16
        for (t0, v0), (t1, v1) in zip(s.points, s.points[1:], strict=False):
            canvas.line(*at(t0, v0), *at(t1, v1), color, thickness=2)
    return canvas


def write_charts(csv_path: Path, out_dir: Path) -> list[Path]:
    columns = history(csv_path) if csv_path.exists() else {}
    if not columns:
        return []
    charts = {
        "throughput.png": line_chart("THROUGHPUT", "PER SECOND", [
            Series("REQUESTS/S", columns.get("Requests/s", [])),
            Series("FAILURES/S", columns.get("Failures/s", [])),
            Series("USERS", columns.get("User Count", []))]),
        "latency.png": line_chart("LATENCY PERCENTILES", "MS (10 S WINDOW)", [
            Series("P50", columns.get("50%", [])), Series("P95", columns.get("95%", [])),
            Series("P99", columns.get("99%", []))]),
    }
    written = []
    for name, canvas in charts.items():
        path = out_dir / name
        path.write_bytes(canvas.png())
        written.append(path)
    return written
