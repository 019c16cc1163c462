"""The figures of one preset's runs: tables, Keel/plain ratios and the summary line.

Ratios are taken per round (Keel's run and the plain app's run right after it share the
machine's state), then the median over rounds; a route's headline ratio is the lower of
its -c8 and -c32 medians, so it never flatters Keel.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from _load import LoadResult

APPS = ("keel", "plain")
ROUTES = ("item", "list", "live")
HEADLINE_ROUTES = ("item", "list")
CONNECTIONS = (8, 32)
#: Issue 16's goals: Keel/plain req/s per route, at every connection count, and the
#: driver-level statements of one authenticated item read.
GOALS = {"item": 0.80, "list": 1.00}
MAX_STATEMENTS_PER_ITEM = 3
#: The memory run's goal: each worker's RSS at the end within 10% of its first sample.
MAX_RSS_DRIFT = 0.10

Key = tuple[str, str, int]  # (app, route, connections)


def median(values: Iterable[float]) -> float:
    listed = list(values)
    return statistics.median(listed) if listed else 0.0


@dataclass
class PresetFigures:
    """Everything measured for one preset, and how it is printed."""

    preset: str
    results: dict[Key, list[LoadResult]] = field(default_factory=dict)
    statements: dict[str, Any] = field(default_factory=dict)
    plain_statements: dict[str, Any] = field(default_factory=dict)
    rss_mib: dict[str, list[float]] = field(default_factory=dict)
    #: The memory run: (seconds into the run, load average, each worker's RSS, req/s).
    memory: list[tuple[float, float, list[float], float]] = field(default_factory=list)

    def add(self, key: Key, result: LoadResult) -> None:
        self.results.setdefault(key, []).append(result)

    def ratios(self, route: str, connections: int) -> list[float]:
        keel = self.results.get(("keel", route, connections), [])
        plain = self.results.get(("plain", route, connections), [])
        return [k.rps / p.rps for k, p in zip(keel, plain, strict=False) if p.rps]

    def headline_ratio(self, route: str) -> float:
        return min(median(self.ratios(route, c)) for c in CONNECTIONS)

    def statements_per(self, route: str, counts: dict[str, Any] | None = None) -> float:
        data = (counts or self.statements).get(route)
        if not data:
            return 0.0
        return float(sum(data["driver"].values()) / data["requests"])

    def max_rss(self) -> int:
        values = self.rss_mib.get("keel", [])
        return round(max(values)) if values else 0

    def misses(self) -> list[str]:
        """The goals this preset misses, each with its figure; empty: all met."""
        missed = []
        for route, goal in GOALS.items():
            for connections in CONNECTIONS:
                ratio = median(self.ratios(route, connections))
                if ratio < goal:
                    missed.append(f"{route} c{connections} {ratio:.2f} < {goal:.2f}")
        statements = self.statements_per("item")
        if statements > MAX_STATEMENTS_PER_ITEM:
            missed.append(f"statements/item {statements:g} > {MAX_STATEMENTS_PER_ITEM}")
        return missed

    def drifts(self) -> list[float]:
        """Each worker's RSS change from the first sample under load to the last."""
        samples = [rss for _, _, rss, _ in self.memory[1:]]
        if len(samples) < 2:
            return []
        first, last = samples[0], samples[-1]
        return [(b - a) / a for a, b in zip(first, last, strict=False) if a]

    def memory_summary(self) -> str:
        samples = [rss for _, _, rss, _ in self.memory[1:]]
        drifts = self.drifts()
        if not samples or not drifts:
            return f"memory[{self.preset}]: no samples"
        within = all(abs(d) <= MAX_RSS_DRIFT for d in drifts)
        fresh = ", ".join(f"{v:.0f}" for v in self.memory[0][2])
        return (
            f"memory[{self.preset}]: rss_mb fresh {fresh}; after the first segment "
            f"{', '.join(f'{v:.0f}' for v in samples[0])}; at the end "
            f"{', '.join(f'{v:.0f}' for v in samples[-1])}; drift "
            f"{', '.join(f'{d:+.1%}' for d in drifts)}; goal within "
            f"±{MAX_RSS_DRIFT:.0%}: {'met' if within else 'NOT met'}"
        )

    def summary(self, prefix: str = "throughput") -> str:
        return (
            f"{prefix}: item {self.headline_ratio('item'):.2f} of plain, "
            f"list {self.headline_ratio('list'):.2f} of plain, "
            f"statements/item {round(self.statements_per('item'))}, rss_mb {self.max_rss()}"
        )


def _row(key: Key, results: list[LoadResult]) -> str:
    app, route, connections = key
    rps = [r.rps for r in results]
    return (
        f"  {route:<5} c{connections:<3} {app:<6} {median(rps):>9,.0f}"
        f"  {min(rps):>7,.0f}-{max(rps):<7,.0f}"
        f" {median(r.p50_ms for r in results):>7.2f} {median(r.p99_ms for r in results):>8.2f}"
        f" {sum(r.non_2xx for r in results):>8} {sum(r.errors for r in results):>7}"
    )


def table(figures: PresetFigures, rounds: int) -> list[str]:
    lines = [
        f"[{figures.preset}] req/s: median over {rounds} round(s), min-max; "
        "latency ms: medians of each run's p50 and p99; non-2xx and errors: totals",
        "  route conc app        req/s      min-max       p50      p99  non-2xx  errors",
    ]
    for route in ROUTES:
        for connections in CONNECTIONS:
            for app in APPS:
                key = (app, route, connections)
                if key in figures.results:
                    lines.append(_row(key, figures.results[key]))
    return lines


def ratio_lines(figures: PresetFigures) -> list[str]:
    lines = [f"[{figures.preset}] Keel/plain req/s (median of per-round ratios, min-max):"]
    for route in ROUTES:
        parts = []
        for connections in CONNECTIONS:
            values = figures.ratios(route, connections)
            if values:
                parts.append(
                    f"c{connections} {median(values):.2f} ({min(values):.2f}-{max(values):.2f})"
                )
        lines.append(f"  {route:<5} " + ", ".join(parts))
    return lines


def _kinds(counts: dict[str, int], requests: int) -> str:
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"{kind} {n / requests:g}" for kind, n in ordered) or "none"


def _statement_line(app: str, route: str, data: dict[str, Any]) -> str:
    """Driver-level count and kinds, then what SQLAlchemy's events account for."""
    requests = data["requests"]
    driver = sum(data["driver"].values()) / requests
    events = data["sqlalchemy"]
    executes = {k: n for k, n in events.items() if k not in ("begin()", "commit()", "rollback()")}
    executes.pop("checkout", None)
    calls = {k: n for k, n in events.items() if k in ("begin()", "commit()", "rollback()")}
    return (
        f"  {app:<5} {route:<5} {driver:g} = {_kinds(data['driver'], requests)}"
        f"  | events-based estimate {data['sqlalchemy_statements'] / requests:g}"
        f" (executes: {_kinds(executes, requests)}; {_kinds(calls, requests)};"
        f" checkouts {events.get('checkout', 0) / requests:g})"
    )


def statement_lines(figures: PresetFigures) -> list[str]:
    counts = figures.statements
    ping = "on: +1 ping per pool checkout" if counts.get("pool_pre_ping") else "off"
    lines = [
        f"[{figures.preset}] SQL statements per request, as the database driver sent them "
        f"(Keel's pool_pre_ping {ping}):"
    ]
    for route in HEADLINE_ROUTES:
        for app, source in (("keel", counts), ("plain", figures.plain_statements)):
            if source.get(route):
                lines.append(_statement_line(app, route, source[route]))
    return lines


def rss_lines(figures: PresetFigures) -> list[str]:
    parts = []
    for app in APPS:
        values = figures.rss_mib.get(app, [])
        listed = ", ".join(f"{v:.0f}" for v in values) or "none found"
        parts.append(f"{app} {listed}")
    return [f"[{figures.preset}] worker RSS after the runs, MiB (VmRSS): " + "; ".join(parts)]


def goals_line(done: dict[str, PresetFigures]) -> str:
    """The goals, then per preset `met` or what it misses."""
    goals = ", ".join(f"{route} >= {goal:.2f}" for route, goal in GOALS.items())
    parts = []
    for preset, figures in done.items():
        missed = figures.misses()
        parts.append(f"{preset} " + (f"NOT met ({'; '.join(missed)})" if missed else "met"))
    connections = " and ".join(f"c{c}" for c in CONNECTIONS)
    return (
        f"goals ({goals} of plain at {connections}, statements/item <= "
        f"{MAX_STATEMENTS_PER_ITEM}): " + ", ".join(parts)
    )


def memory_report(figures: PresetFigures) -> list[str]:
    lines = [f"[{figures.preset}] worker RSS, MiB, during the memory run:"]
    for elapsed, load, rss, rps in figures.memory:
        what = "fresh, before any request" if elapsed == 0 else f"{rps:7,.0f} req/s"
        values = ", ".join(f"{v:.1f}" for v in rss)
        lines.append(f"  {elapsed:5.0f} s  load {load:5.2f}  {values}  ({what})")
    return [*lines, figures.memory_summary()]


def report(figures: PresetFigures, rounds: int) -> list[str]:
    return [
        *table(figures, rounds),
        *ratio_lines(figures),
        *statement_lines(figures),
        *rss_lines(figures),
        figures.summary(f"throughput[{figures.preset}]"),
    ]
