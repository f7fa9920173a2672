"""The fault scenarios of ``loadtests/chaos.toml`` (the ones ``make chaos`` injects into local processes) as a
Chaos Mesh Workflow: each fault becomes the experiment that does the same to the cluster's pods or their
traffic, or an explicit reason why the cluster cannot have it.

| fault | an app | Redis in the cluster (Kind) | ElastiCache, DynamoDB, LocalStack (outside) |
|---|---|---|---|
| kill | PodChaos pod-kill, every pod | PodChaos pod-kill (it keeps no data) | NetworkChaos partition toward it |
| lose | (holds no data) | PodChaos pod-kill | a reason: nothing empties it from inside |
| pause | NetworkChaos partition from the gateway | partition from the apps | partition from the apps |
| latency | NetworkChaos delay from the gateway | delay from the apps | delay from the apps |

The gateway itself can only be killed: its clients are outside the cluster.
A partition stands for a pause: packets go unanswered, connections hang until their timeouts, as with
SIGSTOP. The timeline is kept: per scenario a warm-up, the faults at their ``at_s`` for their ``duration_s``
(a leaf node's ``deadline``; the Serial and Parallel nodes end with their children), a settling pause.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi

from ops.chaos.scenarios import BACKING, ChaosConfig, Fault, Scenario

API_LABELS = {"app.kubernetes.io/part-of": "cnop", "app.kubernetes.io/component": "api"}
"""What every app's pods carry (``AppService``): the clients of Redis and DynamoDB."""
ENTRY = "cnop-chaos"


@dataclass(frozen=True)
class InCluster:
    """A dependency running as pods: selected by their labels."""

    labels: Mapping[str, str]


@dataclass(frozen=True)
class Outside:
    """A dependency outside the cluster (a managed service): reached at these hosts or addresses."""

    hosts: Sequence[pulumi.Input[str]]
    managed: str
    """What runs it, for the reasons a fault cannot be had (``ElastiCache``, ``DynamoDB``, ``LocalStack``)."""


@dataclass(frozen=True)
class Targets:
    """Where the stack's pieces are, as Chaos Mesh selects them."""

    namespace: pulumi.Input[str]
    apps: Mapping[str, Mapping[str, str]]
    """Each service's pod labels (``AppService.pod_labels``), by service name."""
    redis: InCluster | Outside
    aws: Outside


@dataclass(frozen=True)
class NotInCluster:
    """A fault the cluster cannot have, and why."""

    scenario: str
    fault: str
    reason: str


@dataclass
class Workflow:
    spec: dict[str, Any]
    """``entry`` and ``templates`` of the Workflow."""
    not_in_cluster: list[NotInCluster] = field(default_factory=list)
    scenarios: list[str] = field(default_factory=list)
    """The scenarios the workflow runs, in order."""
    seconds: float = 0.0
    """How long the workflow runs: every scenario's warm-up, faults and settling."""


def _deadline(seconds: float) -> str:
    return f"{seconds:g}s"


def _selector(targets: Targets, labels: Mapping[str, str]) -> dict[str, Any]:
    return {"namespaces": [targets.namespace], "labelSelectors": dict(labels)}


def _pod_kill(targets: Targets, labels: Mapping[str, str]) -> dict[str, Any]:
    return {"templateType": "PodChaos", "podChaos": {
        "action": "pod-kill", "mode": "all", "gracePeriod": 0, "selector": _selector(targets, labels)}}


def _network(targets: Targets, fault: Fault, clients: Mapping[str, str], toward: InCluster | Outside
             ) -> dict[str, Any]:
    spec: dict[str, Any] = {"action": "delay" if fault.kind == "latency" else "partition", "mode": "all",
                            "direction": "to", "selector": _selector(targets, clients)}
    if fault.kind == "latency":
        spec["delay"] = {"latency": f"{fault.delay_ms}ms", "correlation": "0", "jitter": "0ms"}
    if isinstance(toward, InCluster):
        spec["target"] = {"mode": "all", "selector": _selector(targets, toward.labels)}
    else:
        spec["externalTargets"] = list(toward.hosts)
    return {"templateType": "NetworkChaos", "networkChaos": spec}


def experiment(fault: Fault, targets: Targets) -> dict[str, Any] | str:
    """The workflow node (without name and deadline) that injects ``fault``, or why the cluster cannot."""
    if fault.target not in BACKING:  # a service of the catalogue
        labels = targets.apps[fault.target]
        if fault.kind == "kill":
            return _pod_kill(targets, labels)
        gateway = targets.apps["gateway"]
        if fault.target == "gateway":
            return "the gateway's clients are outside the cluster: only killing its pods applies to it"
        return _network(targets, fault, gateway, InCluster(labels))
    place = targets.redis if fault.target == "redis" else targets.aws
    if isinstance(place, InCluster):
        if fault.kind in ("kill", "lose"):
            return _pod_kill(targets, place.labels)  # the in-cluster Redis keeps no data: a kill is a loss too
        return _network(targets, fault, API_LABELS, place)
    if fault.kind == "lose":
        return (f"{place.managed} runs outside the cluster: Chaos Mesh can cut the apps off from it, not empty "
                "it (docs/chaos.md, In the cluster: what stands in)")
    return _network(targets, fault, API_LABELS, place)  # kill: unreachable for the duration, its data kept


def _fault_nodes(name: str, scenario: Scenario, targets: Targets, workflow: Workflow
                 ) -> tuple[list[str], list[dict[str, Any]]]:
    """Each expressible fault as a node at its place on the timeline (a pause first when ``at_s`` > 0): the
    nodes the scenario's Parallel step starts, and every node."""
    roots: list[str] = []
    nodes: list[dict[str, Any]] = []
    for index, fault in enumerate(scenario.faults):
        node = experiment(fault, targets)
        if isinstance(node, str):
            workflow.not_in_cluster.append(NotInCluster(name, fault.label, node))
            continue
        fault_node, wait_node = f"{name}-{index}", f"{name}-{index}-at"
        chaos = {"name": fault_node, "deadline": _deadline(fault.duration_s), **node}
        if not fault.at_s:
            roots.append(fault_node)
            nodes.append(chaos)
            continue
        timed = f"{name}-{index}-timed"
        roots.append(timed)
        nodes += [{"name": timed, "templateType": "Serial", "children": [wait_node, fault_node]},
                  {"name": wait_node, "templateType": "Suspend", "deadline": _deadline(fault.at_s)}, chaos]
    return roots, nodes


def build_workflow(chaos: ChaosConfig, names: Sequence[str], targets: Targets) -> Workflow:
    """Every scenario of ``names`` (all when empty), in order, one after the other; a scenario none of whose
    faults the cluster can have is left out and said so."""
    workflow = Workflow(spec={})
    templates: list[dict[str, Any]] = []
    defaults = chaos.defaults
    for name in names or list(chaos.scenarios):
        scenario = chaos.scenario(name)
        roots, nodes = _fault_nodes(name, scenario, targets, workflow)
        if not roots:
            continue
        steps: list[dict[str, Any]] = [
            {"name": f"{name}-warm-up", "templateType": "Suspend", "deadline": _deadline(defaults.warm_up_s)},
            {"name": f"{name}-faults", "templateType": "Parallel", "children": roots},
            {"name": f"{name}-settle", "templateType": "Suspend", "deadline": _deadline(defaults.settle_s)},
        ]
        seconds = chaos.run_time_s(scenario)
        templates += [{"name": name, "templateType": "Serial", "children": [step["name"] for step in steps]},
                      *steps, *nodes]
        workflow.scenarios.append(name)
        workflow.seconds += seconds
    entry = {"name": ENTRY, "templateType": "Serial", "children": list(workflow.scenarios)}
    workflow.spec = {"entry": ENTRY, "templates": [entry, *templates]}
    return workflow
