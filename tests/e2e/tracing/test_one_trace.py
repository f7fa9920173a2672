"""A market buy through the gateway is one connected trace: the gateway's server and httpx client spans, the
order app's server span, its Redis calls and its DynamoDB TransactWriteItems, every span exported over
OTLP/HTTP by real processes to a local receiver (decoded with ``opentelemetry-proto``), every log line of the
request carrying the trace id, and the latency histograms carrying it as an exemplar."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from apps.common.services import public_entry
from apps.gateway.route_table import ROUTES, upstream_path
from apps.gateway.settings import upstream_env_name
from ops.otlp_receiver import OtlpReceiver, ReceivedSpan, running_receiver
from ops.servers import ServerProcess
from tests.conftest import ServiceFactory
from tests.support.market import listed_asset
from tests.support.users import register_and_login
from tests.support.waiting import wait_until

ORDERS_ROUTE = "/api/v1/orders"
GATEWAY = public_entry().name
ORDER = next(spec.upstream for spec in ROUTES if spec.path == ORDERS_ROUTE)
ROUTE_OF = {GATEWAY: ORDERS_ROUTE, ORDER: upstream_path(ORDERS_ROUTE)}
"""The buy's route template in each traced service."""
CLIENT_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CLIENT_TRACEPARENT = f"00-{CLIENT_TRACE_ID}-00f067aa0ba902b7-01"
# The Accept header of a Prometheus 2.x scrape (3.x asks for OpenMetrics first too)
OPENMETRICS = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
               "text/plain;version=0.0.4;q=0.5,*/*;q=0.1")


@dataclass(frozen=True)
class TracedStack:
    processes: dict[str, ServerProcess]
    """By service name: the gateway and the order app."""
    receiver: OtlpReceiver

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.processes[service].port}"


@dataclass(frozen=True)
class TracedBuy:
    request_id: str
    trace_id: str
    spans: list[ReceivedSpan]

    def one(self, service: str, kind: str, name: str) -> ReceivedSpan:
        [span] = [s for s in self.spans if (s.service, s.kind, s.name) == (service, kind, name)]
        return span

    def by_id(self) -> dict[str, ReceivedSpan]:
        return {span.span_id: span for span in self.spans}

    def ancestors(self, span: ReceivedSpan) -> list[ReceivedSpan]:
        spans, chain = self.by_id(), []
        while span.parent_span_id:
            span = spans[span.parent_span_id]
            chain.append(span)
        return chain


@pytest.fixture(scope="module")
def traced(start_service: ServiceFactory, app_processes: dict[str, str]) -> Iterator[TracedStack]:
    """The gateway and the order app exporting every request's spans (the other upstreams are the untraced
    processes of the session); stopped before the receiver, so their last spans still have somewhere to go."""
    with running_receiver() as receiver:
        otel = {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url, "OTEL_TRACES_SAMPLER_ARG": "1.0",
                "OTEL_BSP_SCHEDULE_DELAY": "100"}
        order = start_service(ORDER, **otel)
        gateway = start_service(GATEWAY, **{upstream_env_name(ORDER): f"http://127.0.0.1:{order.port}"}, **otel)
        try:
            yield TracedStack({GATEWAY: gateway, ORDER: order}, receiver)
        finally:
            gateway.stop()
            order.stop()


def _complete(spans: list[ReceivedSpan]) -> bool:
    """The buy's spans from both processes have arrived (each process exports its own batches)."""
    seen = {(span.service, span.kind) for span in spans}
    names = {span.name for span in spans}
    return {(GATEWAY, "server"), (GATEWAY, "client"), (ORDER, "server")} <= seen \
        and "DynamoDB.TransactWriteItems" in names


@pytest.fixture(scope="module")
def buy(traced: TracedStack, app_processes: dict[str, str], redis_client: Any) -> TracedBuy:
    """One market buy through the traced gateway, sent with a client's own ``traceparent``."""
    with httpx.Client(base_url=app_processes["auth"], timeout=30) as auth:
        user = register_and_login(auth)
    asset = listed_asset(redis_client, "10.00")
    funded = httpx.post(f"{app_processes['user']}/balance/deposit", json={"amount": 100}, headers=user.headers,
                        timeout=30)
    assert funded.status_code == 201, funded.text
    answer = httpx.post(f"{traced.url(GATEWAY)}{ORDERS_ROUTE}", timeout=30,
                        json={"order_type": "market_buy", "asset_id": asset, "quantity": "1"},
                        headers={**user.headers, "traceparent": CLIENT_TRACEPARENT, "tracestate": "client=1"})
    assert answer.status_code == 201, answer.text
    request_id = answer.headers["x-request-id"]

    def gateway_server_span() -> list[ReceivedSpan]:
        return [span for span in traced.receiver.spans() if span.service == GATEWAY and span.kind == "server"
                and span.attributes.get("cnop.request_id") == request_id]

    [root] = wait_until(gateway_server_span, timeout=15, what="the gateway's server span of the buy")
    spans = wait_until(lambda: traced.receiver.trace(root.trace_id), _complete, timeout=15,
                       what="the order app's spans of the buy")
    return TracedBuy(request_id, root.trace_id, spans)


def test_a_market_buy_is_one_connected_trace_from_the_gateway_into_dynamodb_and_redis(buy: TracedBuy) -> None:
    gateway = buy.one(GATEWAY, "server", f"POST {ROUTE_OF[GATEWAY]}")
    forwarded = buy.one(GATEWAY, "client", "POST")
    order = buy.one(ORDER, "server", f"POST {ROUTE_OF[ORDER]}")
    transaction = buy.one(ORDER, "client", "DynamoDB.TransactWriteItems")
    order_redis = [span for span in buy.spans if span.service == ORDER and span.attributes.get("db.system") == "redis"]
    gateway_redis = [span for span in buy.spans
                     if span.service == GATEWAY and span.attributes.get("db.system") == "redis"]

    assert [span for span in buy.spans if not span.parent_span_id] == [gateway]
    assert all(span.parent_span_id in buy.by_id() for span in buy.spans if span.parent_span_id), "a broken link"
    assert forwarded.parent_span_id == gateway.span_id
    assert order.parent_span_id == forwarded.span_id, "the traceparent the gateway sent upstream"
    assert order in buy.ancestors(transaction)
    assert transaction.attributes["rpc.method"] == "TransactWriteItems"
    assert order_redis and all(order in buy.ancestors(span) for span in order_redis)
    assert gateway_redis and all(gateway in buy.ancestors(span) for span in gateway_redis)
    assert {span.service for span in buy.spans} == {GATEWAY, ORDER}


def test_a_client_s_trace_context_is_not_joined(traced: TracedStack, buy: TracedBuy) -> None:
    assert buy.trace_id != CLIENT_TRACE_ID
    assert traced.receiver.trace(CLIENT_TRACE_ID) == []


def _log_lines(process: ServerProcess, request_id: str) -> list[dict[str, Any]]:
    assert process.log_path is not None
    lines = [json.loads(line) for line in process.log_path.read_text().splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("request_id") == request_id]


@pytest.mark.parametrize("service", [GATEWAY, ORDER])
def test_every_log_line_of_the_request_carries_the_trace_id(traced: TracedStack, buy: TracedBuy,
                                                             service: str) -> None:
    process = traced.processes[service]
    server_span = next(span for span in buy.spans if span.service == service and span.kind == "server")
    lines = _log_lines(process, buy.request_id)
    assert [line["logger"] for line in lines] == ["access"]
    assert all((line["trace_id"], line["span_id"], line["trace_sampled"])
               == (buy.trace_id, server_span.span_id, True) for line in lines)


def _exemplars(url: str, accept: str | None) -> dict[str, dict[str, str]]:
    """Each ``http_request_duration_seconds`` bucket's exemplar by route, from ``/metrics``."""
    answer = httpx.get(f"{url}/metrics", headers={"Accept": accept} if accept else {}, timeout=10)
    assert answer.status_code == 200
    if accept is None:
        assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
        assert "# {" not in answer.text
        return {}
    assert answer.headers["content-type"].startswith("application/openmetrics-text; version=1.0.0")
    found: dict[str, dict[str, str]] = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            if sample.name == "http_request_duration_seconds_bucket" and sample.exemplar is not None:
                found[sample.labels["route"]] = dict(sample.exemplar.labels)
    return found


@pytest.mark.parametrize("service", [GATEWAY, ORDER])
def test_the_latency_histogram_carries_the_trace_id_as_an_exemplar_for_openmetrics_scrapers(
    traced: TracedStack, buy: TracedBuy, service: str
) -> None:
    assert _exemplars(traced.url(service), OPENMETRICS)[ROUTE_OF[service]] == {"trace_id": buy.trace_id}
    assert _exemplars(traced.url(service), None) == {}, "the classic text format has no exemplars"
