"""What the security report reads from a schemathesis run: answers the OpenAPI document does not describe,
counted per check and listed up to a bound."""

from __future__ import annotations

from ops.loadtest.fuzz import RECORDED_FAILURES, FuzzResult


def test_conformance_failures_are_all_counted_per_check_and_listed_up_to_the_bound() -> None:
    result = FuzzResult(operations=1, cases=100)
    for case in range(RECORDED_FAILURES + 5):
        result.record_failure("status_code_conformance", f"GET /api/v1/balance ({400 + case % 2})", "Undocumented")
    result.record_failure("response_headers_conformance", "GET /api/v1/balance (429)", "Missing Retry-After")
    report = result.to_json()
    assert report["failures_per_check"] == {"response_headers_conformance": 1,
                                            "status_code_conformance": RECORDED_FAILURES + 5}
    assert len(report["conformance_failures"]) == RECORDED_FAILURES
    assert report["conformance_failures"][0] == "status_code_conformance: GET /api/v1/balance (400): Undocumented"
