"""PNG charts of a run over time, drawn with matplotlib from Locust's per-second history
(``locust_stats_history.csv``): throughput (requests and failures per second, users) and latency
percentiles (p50, p95, p99). A caller may mark fault windows; they are drawn as labelled, shaded spans."""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

Points = list[tuple[float, float]]


@dataclass(frozen=True)
class FaultWindow:
    """A span of the run when a fault was injected, in Unix seconds: the clock of Locust's history."""

    start: float
    end: float
    label: str


@dataclass(frozen=True)
class History:
    started_at: float
    """Unix time of the first aggregated row; every point's time is in seconds since then."""
    columns: dict[str, Points]

    def points(self, column: str) -> Points:
        return self.columns.get(column, [])


@dataclass(frozen=True)
class Line:
    label: str
    column: str
    color: str


def history(csv_path: Path) -> History | None:
    """Each numeric column of the aggregated rows, as points in time; None without a single such row."""
    if not csv_path.exists():
        return None
    with csv_path.open(newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row.get("Name") == "Aggregated"]
    if not rows:
        return None
    started_at = float(rows[0]["Timestamp"])
    columns: dict[str, Points] = {}
    for row in rows:
        t = float(row["Timestamp"]) - started_at
        for name, value in row.items():
            try:
                columns.setdefault(name, []).append((t, float(value)))
            except (TypeError, ValueError):
                continue  # "N/A" before the first response
    return History(started_at, columns)


def by_user_count(csv_path: Path) -> list[tuple[int, float, float | None]]:
    """(users, mean requests/s, mean p95 ms) for each user count the run held: where a ramp saturates."""
    run = history(csv_path)
    if run is None:
        return []
    users = dict(run.points("User Count"))
    rates: dict[int, list[float]] = {}
    p95s: dict[int, list[float]] = {}
    for t, rate in run.points("Requests/s"):
        if users.get(t):
            rates.setdefault(int(users[t]), []).append(rate)
    for t, p95 in run.points("95%"):
        if users.get(t) and p95:  # Locust's 0 is a window without a response
            p95s.setdefault(int(users[t]), []).append(p95)
    return [(count, sum(r) / len(r), sum(p95s[count]) / len(p95s[count]) if p95s.get(count) else None)
            for count, r in sorted(rates.items())]


def _title(chart: str, name: str) -> str:
    return f"{chart} · {name}" if name else chart


def _figure(title: str, y_label: str, run: History) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(10, 4.5), dpi=120, layout=ConstrainedLayoutEngine(h_pad=0.12, w_pad=0.12))
    axes = figure.add_subplot()
    axes.set_title(title, loc="left", fontsize=13, fontweight="bold", pad=10)
    axes.set_xlabel("time since the run started (s)")
    axes.set_ylabel(y_label)
    axes.set_xlim(0, max((t for points in run.columns.values() for t, _ in points), default=0) or 1)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # whole seconds, as Locust writes them
    axes.grid(True, color="0.9", linewidth=0.8)
    axes.set_axisbelow(True)
    axes.spines[["top", "right"]].set_visible(False)
    return figure, axes


def _plot(axes: Axes, run: History, lines: Sequence[Line], zero_is_no_data: bool = False) -> None:
    for line in lines:
        points = run.points(line.column)
        if points:
            values = [math.nan if zero_is_no_data and v == 0 else v for _, v in points]  # NaN: a gap in the line
            axes.plot([t for t, _ in points], values, label=line.label, color=line.color, linewidth=1.8)
    axes.set_ylim(bottom=0)


def _mark(panes: list[Axes], windows: Sequence[FaultWindow], started_at: float) -> list[Patch]:
    """Shades each window and labels it at the top of the plot; returns the legend entry, if any."""
    if not windows:
        return []
    for pane in panes:  # headroom, so that the labels sit above the lines
        pane.set_ylim(0, pane.get_ylim()[1] * 1.12)
    axes = panes[0]
    left, right = axes.get_xlim()  # a window may begin before Locust's first row or outlast its last
    axes.set_xlim(min(left, *(w.start - started_at for w in windows)),
                  max(right, *(w.end - started_at for w in windows)))
    for window in windows:
        start = window.start - started_at
        axes.axvspan(start, window.end - started_at, color="tab:purple", alpha=0.12, linewidth=0, zorder=0)
        axes.annotate(window.label, xy=(start, 1), xycoords=axes.get_xaxis_transform(), xytext=(4, -4),
                      textcoords="offset points", va="top", fontsize=8.5, color="tab:purple")
    return [Patch(color="tab:purple", alpha=0.25, label="fault injected")]


def _legend(panes: list[Axes], marks: list[Patch]) -> None:
    """One legend for every pane's lines and the marks, below the plot."""
    handles: list[Artist] = []
    for pane in panes:
        handles += pane.get_legend_handles_labels()[0]
    handles += marks
    if handles:
        panes[0].legend(handles=handles, loc="upper left", bbox_to_anchor=(0, -0.16), ncols=len(handles),
                        frameon=False, fontsize=9)


def throughput_chart(run: History, name: str = "", windows: Sequence[FaultWindow] = ()) -> Figure:
    figure, axes = _figure(_title("Throughput", name), "per second (Locust's 10 s average)", run)
    _plot(axes, run, [Line("requests/s", "Requests/s", "tab:blue"), Line("failures/s", "Failures/s", "tab:red")])
    panes = [axes]
    users = run.points("User Count")
    if users:
        user_axes = axes.twinx()
        user_axes.step([t for t, _ in users], [v for _, v in users], where="post", color="0.45",
                       linestyle="--", linewidth=1.2, label="users")
        user_axes.set_ylabel("users")
        user_axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        user_axes.set_ylim(0, max(v for _, v in users) * 1.1 or 1)
        user_axes.spines["top"].set_visible(False)
        panes.append(user_axes)
    _legend(panes, _mark(panes, windows, run.started_at))
    return figure


def latency_chart(run: History, name: str = "", windows: Sequence[FaultWindow] = ()) -> Figure:
    figure, axes = _figure(_title("Latency percentiles", name), "response time (ms, Locust's 10 s window)", run)
    # Locust writes 0 for a window that holds no response
    _plot(axes, run, [Line("p50", "50%", "tab:green"), Line("p95", "95%", "tab:orange"),
                      Line("p99", "99%", "tab:red")], zero_is_no_data=True)
    _legend([axes], _mark([axes], windows, run.started_at))
    return figure


def write_charts(csv_path: Path, out_dir: Path, name: str = "", windows: Sequence[FaultWindow] = ()) -> list[Path]:
    """throughput.png and latency.png in ``out_dir``, titled with the run's ``name`` and with ``windows``
    marked; none when the history has no aggregated row."""
    run = history(csv_path)
    if run is None:
        return []
    written = []
    for file_name, figure in (("throughput.png", throughput_chart(run, name, windows)),
                              ("latency.png", latency_chart(run, name, windows))):
        path = out_dir / file_name
        figure.savefig(path, format="png")
        written.append(path)
    return written
