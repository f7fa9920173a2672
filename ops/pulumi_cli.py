"""``make preview`` / ``make deploy``: the real Pulumi CLI on a stack, with the platform's policy pack.

Needs what docs/deploy.md lists (the pulumi CLI, its plugins, credentials); without the CLI it says so and
points at ``make plan``, which needs none of it.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import subprocess
import sys

from ops.offline import REPO, STACK_NAMES, STACKS

log = logging.getLogger("pulumi")

MINIMUM_CLI = (3, 272, 0)  # the version of the pinned pulumi SDK


class CliMissingError(RuntimeError):
    """The Pulumi CLI cannot be run here; the message says what to install."""


def cli_version(pulumi: str) -> tuple[int, ...]:
    output = subprocess.run([pulumi, "version"], capture_output=True, text=True, check=True).stdout
    return tuple(int(part) for part in output.strip().lstrip("v").split("-")[0].split(".")[:3])


def find_cli() -> str:
    pulumi = shutil.which("pulumi")
    if pulumi is None:
        raise CliMissingError(
            "the pulumi CLI is not installed: see docs/deploy.md (pulumi >= "
            f"{'.'.join(map(str, MINIMUM_CLI))}); `make plan STACK=...` shows the plan offline without it")
    version = cli_version(pulumi)
    if version < MINIMUM_CLI:
        raise CliMissingError(f"pulumi {'.'.join(map(str, version))} is older than the SDK pinned here "
                              f"({'.'.join(map(str, MINIMUM_CLI))}): upgrade the CLI")
    return pulumi


def command(pulumi: str, action: str, stack: str, extra: list[str]) -> list[str]:
    verb = {"preview": "preview", "deploy": "up"}[action]
    return [pulumi, verb, "--stack", stack, "--cwd", str(STACKS),
            "--policy-pack", str(REPO / "platform_policy"), *extra]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("action", choices=["preview", "deploy"])
    parser.add_argument("stack", choices=STACK_NAMES)
    parser.add_argument("extra", nargs=argparse.REMAINDER, help="passed on to pulumi (e.g. --diff)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="pulumi: %(message)s")
    try:
        pulumi = find_cli()
    except CliMissingError as exc:
        log.error("%s", exc)
        return 2
    cmd = command(pulumi, args.action, args.stack, args.extra)
    log.info("%s", " ".join(cmd))
    return subprocess.run(cmd, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
