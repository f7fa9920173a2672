"""After varied traffic (good, bad, unknown ids, bad tokens), every app's metrics stay within the
catalogue (docs/metrics.md): known names, and label values from bounded sets, never raw paths or ids."""

from __future__ import annotations

import os
import re
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from apps.common.models import AssetItem
from apps.common.services import names, upstreams
from apps.gateway.route_table import ROUTES
from ops.servers import REPO
from tests.support.market import listed_asset
from tests.support.metrics import sample_value
from tests.support.users import PASSWORD, registration

CATALOGUE = (REPO / "docs" / "metrics.md").read_text()
RUNTIME_PREFIXES = ("python_", "process_")
BOUNDED = {
    "service": set(names()),
    "method": {"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"},
    "dependency": {"dynamodb", "redis"},
    "upstream": {entry.name for entry in upstreams()},
    "status_class": {"2xx", "3xx", "4xx", "5xx", "error"},
    "group": {"default", "public", "auth", "login", "trading", "insights"},
    "kind": {"deposit", "withdraw", "timeout", "rate_limited", "upstream_error", "rejected", "bad_answer",
             "unreachable"},
    "order_type": {"market_buy", "market_sell"},
    "result": {"hit", "miss", "error", "ok"},
    "outcome": {"published", "idle", "follower", "failed"},
    "provider": {"gemini", "offline"},
    "action": {"allowed", "refused"},
    "from_state": {"closed", "open", "half_open"},
    "to_state": {"closed", "open", "half_open"},
}
CODE = re.compile(r"^[a-z_]{3,40}$")
OPERATION = re.compile(r"^[A-Z][A-Za-z_]{1,30}$")


def _drive_varied_traffic(gateway: str) -> None:
    with httpx.Client(base_url=gateway, timeout=30) as api:
        body = registration()
        assert api.post("/api/v1/auth/register", json=body).status_code == 201
        token = api.post("/api/v1/auth/login", json={"username": body["username"], "password": PASSWORD}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        api.post("/api/v1/auth/login", json={"username": body["username"], "password": "Wr0ng!Password"})
        api.post("/api/v1/balance/deposit", json={"amount": 300}, headers=headers)
        api.post("/api/v1/balance/withdraw", json={"amount": 4000}, headers=headers)
        api.post("/api/v1/orders", json={"order_type": "market_buy", "asset_id": "BTC", "quantity": "0.1"},
                 headers=headers)
        api.post("/api/v1/orders", json={"order_type": "market_buy", "asset_id": "ETH", "quantity": "0.01"},
                 headers=headers)
        api.post("/api/v1/orders", json={"order_type": "limit_buy", "asset_id": "ETH", "quantity": "1"},
                 headers=headers)
        for _ in range(3):
            random_id = os.urandom(6).hex()
            api.get(f"/api/v1/orders/ord_{random_id}", headers=headers)
            api.get(f"/api/v1/inventory/assets/X{random_id[:6]}")
            api.get(f"/api/v1/balance/asset/Z{random_id[:6]}", headers=headers)
            api.get(f"/api/v1/no/such/{random_id}")
        api.get("/api/v1/balance", headers={"Authorization": "Bearer not-a-token"})
        api.get("/api/v1/insights/portfolio", headers=headers)
        api.get("/api/v1/portfolio", headers=headers)


def _families(url: str) -> list[Any]:
    return list(text_string_to_metric_families(httpx.get(f"{url}/metrics", timeout=10).text))


def test_every_app_exports_only_catalogued_metrics_with_bounded_labels(
    app_processes: dict[str, str], gateway_url: str, redis_client: Any
) -> None:
    listed_asset(redis_client, "3")
    _drive_varied_traffic(gateway_url)
    templates = {spec.path for spec in ROUTES} | {"unmatched", "/health", "/metrics"}
    for name, url in {**app_processes, "gateway": gateway_url}.items():
        allowed_routes = templates | set(httpx.get(f"{url}/openapi.json", timeout=10).json()["paths"])
        catalogue_assets = {item.asset_id for item in AssetItem.scan()}
        families = [f for f in _families(url) if not f.name.startswith(RUNTIME_PREFIXES)]
        assert families, name
        for family in families:
            assert f"`{family.name}" in CATALOGUE, f"{name}: {family.name} is not in docs/metrics.md"
            for sample in family.samples:
                for label, value in sample.labels.items():
                    if label == "le" or label == "quantile":
                        continue
                    where = f"{name}: {sample.name}{{{label}={value!r}}}"
                    if label == "route":
                        assert value in allowed_routes, where
                    elif label == "status":
                        assert re.fullmatch(r"[1-5]\d\d", value), where
                    elif label == "asset_id":
                        assert value in catalogue_assets, where
                    elif label in ("reason", "code"):
                        assert CODE.match(value), where
                    elif label == "operation":
                        assert OPERATION.match(value), where
                    else:
                        assert value in BOUNDED[label], where


def test_business_and_dependency_metrics_follow_the_traffic(app_processes: dict[str, str], gateway_url: str) -> None:
    """Read before and after one round of traffic: the differences are this round's and nothing else's."""

    def expositions() -> dict[str, str]:
        return {app: httpx.get(f"{url}/metrics", timeout=10).text for app, url in app_processes.items()}

    before = expositions()
    _drive_varied_traffic(gateway_url)
    after = expositions()

    def delta(app: str, name: str, **labels: str) -> float:
        return sample_value(after[app], name, **labels) - sample_value(before[app], name, **labels)

    assert delta("user", "balance_movements_total", kind="deposit") == 1
    assert delta("user", "balance_movement_usd_total", kind="deposit") == 300
    assert delta("user", "balance_rejections_total", kind="withdraw", reason="insufficient_balance") == 1
    assert delta("order", "orders_total", order_type="market_buy", asset_id="ETH") == 1
    assert delta("order", "order_rejections_total", reason="order_type_not_supported") == 1
    assert delta("order", "order_rejections_total", reason="insufficient_balance") == 1
    assert delta("order", "dependency_request_duration_seconds_count", dependency="dynamodb",
                 operation="TransactWriteItems") == 2, "the ETH buy, and the BTC buy DynamoDB refused"
    assert delta("order", "dependency_request_duration_seconds_count", dependency="redis") > 0
    assert delta("order", "dependency_errors_total", dependency="dynamodb") == 0, \
        "a refused condition (insufficient balance) is not a dependency error"
