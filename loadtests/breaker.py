"""Circuit breaker: steady public reads through the gateway while ``make security`` stops the upstream
behind them and starts it again. Each answer is recorded (status, code, the X-Circuit-State header) so
the verdict can tell an open circuit's fast refusal from an unreachable upstream, and see recovery.

The run ends once reads have succeeded again for a few seconds after the failures.
"""

from __future__ import annotations

import random
import time

from locust import task

from loadtests.scripted import observe, stop_run
from loadtests.users import ApiUser

ROUTE = "/api/v1/inventory/assets/{asset_id}"
STABLE_AFTER_RECOVERY_S = 3.0
phases: dict[str, float] = {}


class SteadyReader(ApiUser):
    @task
    def read(self) -> None:
        asset_id = random.choice(("BTC", "ETH", "SOL", "ADA"))
        reply = self.call("GET", f"/api/v1/inventory/assets/{asset_id}", (200, 503), name=ROUTE)
        observe("read", reply)
        if reply.status == 503:
            phases.setdefault("first_failure", reply.finished_at)
            phases.pop("recovered", None)
        elif "first_failure" in phases:
            phases.setdefault("recovered", reply.finished_at)
            if time.time() - phases["recovered"] >= STABLE_AFTER_RECOVERY_S and "stopping" not in phases:
                phases["stopping"] = time.time()
                stop_run(self.environment)
