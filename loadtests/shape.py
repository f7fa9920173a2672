"""Load shape: the profile's stages, one after the other (users and spawn rate per stage), then stop.

Loaded beside a scenario's locustfile when the profile has ``stages`` instead of a fixed user count.
"""

from __future__ import annotations

import time

from locust import LoadTestShape

from loadtests.options import run_profile


class ProfileStages(LoadTestShape):
    def tick(self) -> tuple[int, float] | None:
        if self.runner is None:
            return None
        elapsed = time.perf_counter() - self.start_time  # what get_run_time() computes
        for stage in run_profile(self.runner.environment).stages:
            if elapsed < stage.duration_s:
                return stage.users, stage.spawn_rate
            elapsed -= stage.duration_s
        return None
