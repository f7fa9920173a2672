"""Multi-window, multi-burn-rate alerts on the SLOs (Google SRE workbook, chapter 5).

Each alert fires when the error ratio exceeds ``factor`` x the error budget over a long window *and* a
short one: the long window proves the burn is significant, the short one that it is still going on.
"""

from __future__ import annotations

from dashboards.config import CONFIG, BurnRateAlert, BurnRateWindow, LatencyObjective, Objective
from dashboards.queries.slo import error_ratio_record
from dashboards.rules.model import AlertingRule, RuleGroup


def alert_name(objective: Objective, burn: BurnRateAlert) -> str:
    return f"Http{objective.name.capitalize()}BudgetBurn{burn.suffix}"


def _condition(objective: Objective, pair: BurnRateWindow) -> str:
    limit = f"({pair.factor:g} * {objective.error_budget:g})"
    long_window = error_ratio_record(objective, pair.long)
    short_window = error_ratio_record(objective, pair.short)
    return f"(\n  {long_window} > {limit}\nand\n  {short_window} > {limit}\n)"


def _burn_rates(burn: BurnRateAlert) -> str:
    first, *others = burn.windows
    rates = [f"{first.factor:g}x the sustainable rate over {first.long} and {first.short}"]
    rates += [f"{p.factor:g}x over {p.long} and {p.short}" for p in others]
    return ", or ".join(rates)


def _percent(ratio: float) -> str:
    return f"{ratio * 100:g}%"


def _bad_requests(objective: Objective) -> str:
    if isinstance(objective, LatencyObjective):
        return f"took longer than {objective.threshold_seconds:g} s"
    return "were answered with a 5xx"


def burn_rate_alert(objective: Objective, burn: BurnRateAlert) -> AlertingRule:
    return AlertingRule(
        alert=alert_name(objective, burn),
        expr="\nor\n".join(_condition(objective, pair) for pair in burn.windows),
        for_duration=burn.for_duration,
        severity=burn.severity,
        labels={"slo": objective.name},
        summary=f"{{{{ $labels.service }}}} is burning its {objective.name} error budget {burn.pace}",
        description=(
            f"{{{{ $value | humanizePercentage }}}} of the requests to {{{{ $labels.service }}}} "
            f"{_bad_requests(objective)} over the alert's long window. The {objective.name} objective is "
            f"{_percent(objective.target)} over {objective.period}; its budget is burning at {_burn_rates(burn)}."
        ),
    )


def slo_alert_group() -> RuleGroup:
    objectives = (CONFIG.availability, CONFIG.latency)
    return RuleGroup(
        "cnop-slo-alerts",
        tuple(burn_rate_alert(o, burn) for o in objectives for burn in o.burn_rates),
    )
