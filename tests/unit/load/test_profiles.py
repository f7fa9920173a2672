"""The profiles file: every profile valid, one way to size a run, gateway overrides as environment."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from apps.gateway.settings import GatewaySettings
from ops.loadtest.profiles import (
    GatewayOverrides,
    Profile,
    ProfileError,
    gateway_config_in_force,
    load_config,
)
from ops.loadtest.target import TargetError, loopback_url


def test_the_repositorys_profiles_are_valid_and_bounded() -> None:
    config = load_config()
    assert {"smoke", "load", "stress", "soak"} <= set(config.profiles)
    for name, profile in config.profiles.items():
        assert profile.duration_s > 0 and profile.max_requests > 0, name
    assert config.profile("stress").stages and config.profile("stress").peak_users == 40
    load = config.profile("load")
    assert (load.users, load.gates.latency_ms["all"].p95, load.gates.latency_ms["all"].p99) == (5, 50, 150)
    assert load.duration_s - load.warm_up_s == 120, "the older platform's run: 120 s measured"
    with pytest.raises(ProfileError, match="no profile 'nope'"):
        config.profile("nope")


def test_a_profile_is_sized_by_users_and_time_or_by_stages_not_both() -> None:
    base = {"description": "x", "locustfiles": ["browse.py"], "max_requests": 10}
    Profile.model_validate({**base, "users": 1, "spawn_rate": 1, "run_time_s": 5})
    Profile.model_validate({**base, "stages": [{"duration_s": 5, "users": 2, "spawn_rate": 1}]})
    for wrong in ({}, {"users": 1, "stages": [{"duration_s": 5, "users": 2, "spawn_rate": 1}]},
                  {"users": 1, "spawn_rate": 1, "run_time_s": 5, "think_time_s": [2, 1]},
                  {"users": 1, "spawn_rate": 1, "run_time_s": 5, "locustfiles": ["missing.py"]},
                  {"users": 1, "spawn_rate": 1, "run_time_s": 5, "warm_up_s": 5}):
        with pytest.raises(ValidationError):
            Profile.model_validate({**base, **wrong})


def test_an_invalid_profiles_file_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "profiles.toml"
    broken.write_text("[profiles.x]\ndescription = 1\n")
    with pytest.raises(ProfileError, match=str(broken)):
        load_config(broken)


def test_gateway_overrides_become_gateway_settings_and_merge_over_the_defaults() -> None:
    overrides = GatewayOverrides(settings={"rate_limits": {"public": {"limit": 20, "period_seconds": 10}},
                                           "login_max_failures": 5, "trusted_proxies": ["127.0.0.1/32"]})
    settings = GatewaySettings(**overrides.settings)
    assert settings.rule_for("public").limit == 20 and settings.login_max_failures == 5
    assert settings.trusted_proxies == ["127.0.0.1/32"]
    in_force = overrides.in_force()
    assert in_force["rate_limits"]["public"] == {"limit": 20, "period_seconds": 10}
    assert in_force["rate_limits"]["default"]["limit"] == 6000, "groups not overridden keep their default"
    assert in_force["breaker_failure_threshold"] == gateway_config_in_force({})["breaker_failure_threshold"]
    with pytest.raises(ValidationError, match="not gateway settings: rate_limit"):
        GatewayOverrides(settings={"rate_limit": {}})


@pytest.mark.parametrize("host", ["127.0.0.1:8080", "http://127.0.0.1:8080", "http://127.0.0.1:8080/"])
def test_hosts_on_loopback_are_accepted(host: str) -> None:
    assert loopback_url(host) == "http://127.0.0.1:8080"


@pytest.mark.parametrize("host", ["http://localhost:8080", "http://10.0.0.5:8080", "https://127.0.0.1:8443",
                                  "http://example.com", "http://127.0.0.1.example.com:80",
                                  "http://user:pw@127.0.0.1:8080", "http://127.0.0.1:8080/api"])
def test_every_other_host_is_refused(host: str) -> None:
    with pytest.raises(TargetError):
        loopback_url(host)
