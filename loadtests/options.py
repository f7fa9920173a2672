"""The options our locustfiles add to Locust's command line; a master forwards them to its workers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

from locust import events
from locust.env import Environment
from locust.event import EventHook

from ops.loadtest.profiles import PROFILES_FILE, Profile, SecurityConfig, load_config

LOOPBACK = "127.0.0.1"
Listener = TypeVar("Listener", bound=Callable[..., None])


def listen(hook: EventHook) -> Callable[[Listener], Listener]:
    """``@listen(events.quitting)``: Locust's ``add_listener`` as a typed decorator."""

    def register(listener: Listener) -> Listener:
        cast(Any, hook).add_listener(listener)
        return listener

    return register


@listen(events.init_command_line_parser)
def _add_options(parser: Any) -> None:
    hidden = {"include_in_web_ui": False}
    parser.add_argument("--cnop-profile", default="smoke", env_var="CNOP_LOADTEST_PROFILE",
                        help="profile of loadtests/profiles.toml", **hidden)
    parser.add_argument("--cnop-profiles-file", default=str(PROFILES_FILE), env_var="CNOP_LOADTEST_PROFILES_FILE",
                        help="the profiles file", **hidden)
    parser.add_argument("--cnop-summary", default="", env_var="CNOP_LOADTEST_SUMMARY",
                        help="write the run's summary JSON here", **hidden)
    parser.add_argument("--cnop-evidence", default="", help="write security observations here", **hidden)
    parser.add_argument("--cnop-journal", default="", help="write one line per request here (chaos runs)", **hidden)
    parser.add_argument("--cnop-signing-key", default="", help="PEM of the security slice's signing key",
                        **hidden)
    parser.add_argument("--cnop-allowed-host", default=LOOPBACK, env_var="CNOP_LOADTEST_ALLOWED_HOST",
                        help="the one host besides 127.0.0.1 traffic may go to (an in-cluster service)", **hidden)


def option(environment: Environment, name: str) -> str:
    value = getattr(environment.parsed_options, name, "") if environment.parsed_options else ""
    return str(value or "")


def run_profile(environment: Environment) -> Profile:
    path = Path(option(environment, "cnop_profiles_file") or PROFILES_FILE)
    return load_config(path).profile(option(environment, "cnop_profile") or "smoke")


def security_config(environment: Environment) -> SecurityConfig:
    return load_config(Path(option(environment, "cnop_profiles_file") or PROFILES_FILE)).security


def allowed_hosts(environment: Environment) -> set[str]:
    return {LOOPBACK, option(environment, "cnop_allowed_host") or LOOPBACK}
