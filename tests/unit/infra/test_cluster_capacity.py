"""Inside the cluster: the add-ons the platform relies on, node capacity that follows the pods within the stack's
bounds, one identity mechanism (EKS Pod Identity) for every workload, and pods spread, drained and probed cheaply."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from apps.common.services import SERVICES, service
from ops.offline import OfflineRun, PlannedResource
from stacks.config import cpu_cores

EKS_STACKS = ["dev", "prod"]


def one(run: OfflineRun, type_token: str, name: str) -> PlannedResource:
    (found,) = [r for r in run.of_type(type_token) if r.name == name]
    return found


def pod_specs(run: OfflineRun) -> dict[str, dict[str, Any]]:
    return {d.name.removesuffix("-deployment"): d.inputs["spec"]["template"]
            for d in run.of_type("kubernetes:apps/v1:Deployment") if d.name.endswith("-deployment")}


def test_metrics_server_runs_in_every_stack_so_the_hpas_can_scale(run: OfflineRun) -> None:
    release = one(run, "kubernetes:helm.sh/v3:Release", "metrics-server-release").inputs
    assert (release["chart"], release["namespace"]) == ("metrics-server", "kube-system")
    assert ("--kubelet-insecure-tls" in release["values"]["args"]) == (run.stack == "localstack")
    assert len(run.of_type("kubernetes:autoscaling/v2:HorizontalPodAutoscaler")) == len(SERVICES)


@pytest.mark.parametrize("stack", EKS_STACKS)
def test_eks_has_the_ebs_csi_driver_a_default_encrypted_gp3_class_and_the_pod_identity_agent(
    stack: str, runs: dict[str, OfflineRun]
) -> None:
    run = runs[stack]
    addons = {a.inputs["addonName"]: a.inputs for a in run.of_type("aws:eks/addon:Addon")}
    assert set(addons) == {"aws-ebs-csi-driver", "eks-pod-identity-agent"}
    (association,) = addons["aws-ebs-csi-driver"]["podIdentityAssociations"]
    assert association["serviceAccount"] == "ebs-csi-controller-sa"
    storage = one(run, "kubernetes:storage.k8s.io/v1:StorageClass", "addons-gp3").inputs
    assert storage["metadata"]["annotations"] == {"storageclass.kubernetes.io/is-default-class": "true"}
    assert (storage["provisioner"], storage["parameters"]) == ("ebs.csi.aws.com", {"type": "gp3",
                                                                                  "encrypted": "true"})
    assert storage["volumeBindingMode"] == "WaitForFirstConsumer"


@pytest.mark.parametrize("stack", EKS_STACKS)
def test_every_aws_role_of_a_pod_is_a_pod_identity_role_of_this_cluster(stack: str,
                                                                        runs: dict[str, OfflineRun]) -> None:
    run = runs[stack]
    cluster_arn = f"arn:aws:eks:us-east-1:123456789012:cluster/cnop-{stack}"
    pod_roles = {r.name.removesuffix("-role"): json.loads(r.inputs["assumeRolePolicy"])
                 for r in run.of_type("aws:iam/role:Role")
                 if "pods.eks.amazonaws.com" in r.inputs["assumeRolePolicy"]}
    expected = {entry.name for entry in SERVICES if entry.tables} | {"load-balancers", "karpenter", "addons-ebs-csi",
                                                                     "aws-signals"}
    if json.loads(run.config.get("cnop:logs", "{}")).get("bucket"):
        expected.add("logs")  # Loki's bucket
    assert set(pod_roles) == expected
    for document in pod_roles.values():
        (statement,) = document["Statement"]
        assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": cluster_arn}}
    associations = {a.name.removesuffix("-identity"): a.inputs
                    for a in run.of_type("aws:eks/podIdentityAssociation:PodIdentityAssociation")}
    assert set(associations) == expected - {"addons-ebs-csi"}  # the add-on associates its own
    for app in (entry.name for entry in SERVICES if entry.tables):
        assert (associations[app]["namespace"], associations[app]["serviceAccount"]) == ("cnop", app)
    accounts = run.of_type("kubernetes:core/v1:ServiceAccount")
    assert all("eks.amazonaws.com/role-arn" not in str(a.inputs) for a in accounts)  # no IRSA anywhere


@pytest.mark.parametrize("stack", EKS_STACKS)
def test_karpenter_adds_nodes_in_the_stacks_zones_within_its_bounds(stack: str,
                                                                    runs: dict[str, OfflineRun]) -> None:
    run = runs[stack]
    config = {key.removeprefix("cnop:"): json.loads(value) for key, value in run.config.items()
              if key.startswith("cnop:") and value.startswith("{")}
    pool = one(run, "kubernetes:karpenter.sh/v1:NodePool", "karpenter-node-pool").inputs["spec"]
    assert pool["limits"] == {"cpu": config["capacity"]["maxCpu"], "memory": config["capacity"]["maxMemory"]}
    requirements = {r["key"]: r["values"] for r in pool["template"]["spec"]["requirements"]}
    assert requirements["topology.kubernetes.io/zone"] == config["network"]["availabilityZones"]
    assert requirements["karpenter.sh/capacity-type"] == config["capacity"]["capacityTypes"]
    assert requirements["kubernetes.io/arch"] == ["amd64"]
    node_class = one(run, "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", "karpenter-node-class").inputs["spec"]
    assert node_class["amiSelectorTerms"] == [{"alias": "al2023@v20250807"}]
    assert node_class["metadataOptions"]["httpTokens"] == "required"
    assert node_class["metadataOptions"]["httpPutResponseHopLimit"] == 1
    discovery = node_class["subnetSelectorTerms"][0]["tags"]["karpenter.sh/discovery"]
    tagged = {s.name for s in run.of_type("aws:ec2/subnet:Subnet")
              if s.inputs["tags"].get("karpenter.sh/discovery") == discovery}
    assert tagged == {s.name for s in run.of_type("aws:ec2/subnet:Subnet") if "-private-" in s.name}
    (eks,) = run.of_type("eks:index:Cluster")
    assert node_class["securityGroupSelectorTerms"] == [{"id": f"sg-{_sg(eks.name)}"}]
    # The apps at their HPAs' ceilings fit in the bounds.
    peak = sum(h.inputs["spec"]["maxReplicas"] for h in run.of_type(
        "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")) * cpu_cores(config["apps"].get("cpuRequest", "100m"))
    assert peak <= cpu_cores(pool["limits"]["cpu"])
    (entry,) = run.of_type("aws:eks/accessEntry:AccessEntry")
    assert entry.inputs["type"] == "EC2_LINUX"
    assert {r.name for r in run.of_type("aws:cloudwatch/eventRule:EventRule")} == {
        f"karpenter-{n}" for n in ("spot-interruption", "rebalance", "instance-state", "scheduled-change")}


def _sg(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:17]  # ops/offline_mocks.py's cluster security group


def test_pods_spread_over_zones_and_nodes_drain_before_stopping_and_probe_the_process(run: OfflineRun) -> None:
    eks = run.stack != "localstack"
    for app, template in pod_specs(run).items():
        spec = template["spec"]
        spread = {c["topologyKey"]: c["whenUnsatisfiable"] for c in spec["topologySpreadConstraints"]}
        assert spread == {"topology.kubernetes.io/zone": "DoNotSchedule" if eks else "ScheduleAnyway",
                          "kubernetes.io/hostname": "ScheduleAnyway"}, app
        (container,) = spec["containers"]
        pause = container["lifecycle"]["preStop"]["sleep"]["seconds"]
        assert 0 < pause < spec["terminationGracePeriodSeconds"]
        entry = service(app)
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert container[probe]["httpGet"] == {"path": entry.probe_path, "port": "http"}, (app, probe)
        assert entry.probe_path != entry.health_path
    if eks:
        attributes = next(i.inputs for i in run.of_type("kubernetes:networking.k8s.io/v1:Ingress"))["metadata"][
            "annotations"]["alb.ingress.kubernetes.io/target-group-attributes"]
        delay = int(attributes.split("deregistration_delay.timeout_seconds=")[1])
        assert delay < min(c["lifecycle"]["preStop"]["sleep"]["seconds"] for t in pod_specs(run).values()
                           for c in t["spec"]["containers"])
        (namespace,) = [n for n in run.of_type("kubernetes:core/v1:Namespace") if n.name.endswith("-cnop")]
        assert namespace.inputs["metadata"]["labels"]["elbv2.k8s.aws/pod-readiness-gate-inject"] == "enabled"
