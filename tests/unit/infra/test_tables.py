"""The tables each stack creates are exactly ``apps.common.tables``: names, keys, indexes, TTL, billing."""

from __future__ import annotations

import json
from typing import Any

from apps.common.services import SERVICES, service
from apps.common.tables import TABLES, TableDefinition
from ops.offline import OfflineRun


def expected(definition: TableDefinition, prefix: str) -> dict[str, Any]:
    """The one definition in the provider's terms (what CreateTable gets, as the Pulumi inputs say it)."""
    request = definition.create_table_request(prefix)
    return {
        "name": request["TableName"],
        "billingMode": request["BillingMode"],
        "attributes": sorted((a["AttributeName"], a["AttributeType"]) for a in request["AttributeDefinitions"]),
        "keys": [(k["AttributeName"], k["KeyType"]) for k in request["KeySchema"]],
        "indexes": sorted(
            (i["IndexName"], tuple((k["AttributeName"], k["KeyType"]) for k in i["KeySchema"]),
             i["Projection"]["ProjectionType"])
            for i in request.get("GlobalSecondaryIndexes", [])
        ),
        "ttl": definition.ttl_attribute,
    }


def planned(inputs: dict[str, Any]) -> dict[str, Any]:
    keys = [(inputs["hashKey"], "HASH")] + ([(inputs["rangeKey"], "RANGE")] if inputs.get("rangeKey") else [])
    ttl = inputs.get("ttl")
    return {
        "name": inputs["name"],
        "billingMode": inputs["billingMode"],
        "attributes": sorted((a["name"], a["type"]) for a in inputs["attributes"]),
        "keys": keys,
        "indexes": sorted(
            (i["name"], tuple((k["attributeName"], k["keyType"]) for k in i["keySchemas"]), i["projectionType"])
            for i in inputs.get("globalSecondaryIndexes") or []
        ),
        "ttl": ttl["attributeName"] if ttl and ttl.get("enabled") else None,
    }


def test_each_stack_creates_exactly_the_defined_tables(run: OfflineRun) -> None:
    prefix = run.config.get("cnop:tablePrefix", f"cnop-{run.config['cnop:environment']}-")
    tables = sorted((planned(t.inputs) for t in run.of_type("aws:dynamodb/table:Table")), key=lambda t: t["name"])
    assert tables == sorted((expected(d, prefix) for d in TABLES), key=lambda t: t["name"])
    assert run.outputs["tableNames"] == {d.logical_name: d.physical_name(prefix) for d in TABLES}


def test_apps_are_told_the_prefix_the_tables_have(run: OfflineRun) -> None:
    told = set()
    for deployment in run.of_type("kubernetes:apps/v1:Deployment"):
        for container in deployment.inputs["spec"]["template"]["spec"]["containers"]:
            told |= {e["value"] for e in container.get("env") or [] if e["name"] == "TABLE_PREFIX"}
    assert [{d.physical_name(prefix) for d in TABLES} for prefix in told] == [set(run.outputs["tableNames"].values())]


def test_roles_are_scoped_to_the_apps_own_tables(runs: dict[str, OfflineRun]) -> None:
    for stack in ("dev", "prod"):
        policies = {p.name.removesuffix("-policy"): json.loads(p.inputs["policy"])
                    for p in runs[stack].of_type("aws:iam/rolePolicy:RolePolicy")
                    if p.name.removesuffix("-policy") in {entry.name for entry in SERVICES}}
        assert set(policies) == {entry.name for entry in SERVICES if entry.tables}
        for app, document in policies.items():
            (tables,) = [s for s in document["Statement"] if s["Sid"] == "OwnTables"]
            names = {arn.split("table/")[1].split("/")[0] for arn in tables["Resource"]}
            prefix = f"cnop-{stack}-"
            assert names == {t.physical_name(prefix) for t in service(app).tables}, app
            assert not any(arn == "*" or arn.endswith("table/*") for arn in tables["Resource"])
