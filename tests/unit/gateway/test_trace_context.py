"""The gateway never passes a client's trace context on: with tracing off the apps must not join the client's
trace either (with it on, the httpx instrumentation sends the gateway's own ``traceparent``)."""

from __future__ import annotations

import pytest

from apps.gateway.proxy import upstream_headers


@pytest.mark.parametrize("name", [b"traceparent", b"Traceparent", b"tracestate", b"baggage"])
def test_a_client_s_trace_context_stays_at_the_gateway(name: bytes) -> None:
    incoming = [(name, b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), (b"accept", b"*/*")]
    sent = upstream_headers(incoming, "198.51.100.1", None)
    assert [key for key, _ in sent if key.lower() == name.lower()] == []
    assert (b"accept", b"*/*") in sent
