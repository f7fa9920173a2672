"""``make state-backend``: the S3 bucket and KMS key that hold every stack's Pulumi state and secrets.

Run once per AWS account, before the first ``pulumi stack init`` of dev or prod (docs/deploy.md, "State and
secrets"). The program is ``state/`` (component ``platform/state_backend.py``); its own state stays on this
machine, in a local backend under ``~/.pulumi-cnop-state``, since the bucket cannot hold the state of its own
creation. Then every stack logs in to the bucket and encrypts its secrets with the key its file names.

    python -m ops.state_backend plan          # offline, like make plan: what would be created
    python -m ops.state_backend up            # the real pulumi up (asks first), with the policy pack
    python -m ops.state_backend init-stacks   # pulumi stack init dev and prod with their files' providers
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import yaml

from ops.offline import REPO, STACKS
from ops.plan import render
from ops.pulumi_cli import CliMissingError, find_cli

PROJECT = REPO / "state"
STACK = "state"
LOCAL_BACKEND = Path.home() / ".pulumi-cnop-state"
CLOUD_STACKS = ("dev", "prod")

log = logging.getLogger("state-backend")


def secrets_provider(stack: str, project: Path = STACKS) -> str:
    """The ``secretsprovider`` a stack file pins."""
    return str(yaml.safe_load((project / f"Pulumi.{stack}.yaml").read_text())["secretsprovider"])


def commands(pulumi: str, action: str) -> list[list[str]]:
    local = ["--cwd", str(PROJECT)]
    if action == "up":
        return [[pulumi, "stack", "select", STACK, "--create", "--secrets-provider", secrets_provider(STACK, PROJECT),
                 *local],
                [pulumi, "up", "--stack", STACK, "--policy-pack", str(REPO / "platform_policy"), *local],
                [pulumi, "stack", "output", "--stack", STACK, *local]]
    return [[pulumi, "stack", "init", stack, "--secrets-provider", secrets_provider(stack), "--cwd", str(STACKS)]
            for stack in CLOUD_STACKS]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("action", choices=["plan", "up", "init-stacks"])
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="state-backend: %(message)s")
    if args.action == "plan":
        from ops.offline import run_offline

        started = time.perf_counter()
        print(render(run_offline(STACK, project=PROJECT), time.perf_counter() - started))
        return 0
    try:
        pulumi = find_cli()
    except CliMissingError as exc:
        log.error("%s", exc)
        return 2
    env = dict(os.environ)
    if args.action == "up":
        LOCAL_BACKEND.mkdir(exist_ok=True)
        env |= {"PULUMI_BACKEND_URL": LOCAL_BACKEND.as_uri(), "PULUMI_CONFIG_PASSPHRASE":
                env.get("PULUMI_CONFIG_PASSPHRASE", "")}
    for command in commands(pulumi, args.action):
        log.info("%s", " ".join(command))
        if subprocess.run(command, env=env, check=False).returncode != 0:
            return 1
    if args.action == "up":
        log.info("next: pulumi login <backendUrl above>, then python -m ops.state_backend init-stacks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
