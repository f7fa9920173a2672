"""``make kind-up`` / ``make kind-load``: the local Kubernetes of the ``localstack`` stack.

kind-up creates the Kind cluster (its ports on 127.0.0.1 only) and starts LocalStack on Kind's Docker
network, where the pods reach it as ``http://localstack:4566``; kind-load builds the apps image (and the load
image where the stack enables ``cnop:loadtest``) from the root Dockerfile and loads it into the cluster's nodes
(no registry). Both need Docker and kind.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml
from cnop_platform.images import LOAD_TAG

from ops.offline import REPO, stack_config

log = logging.getLogger("kind")

NODE_IMAGE = "kindest/node:v1.33.1"  # the stacks' kubernetesVersion
LOCALSTACK_IMAGE = "localstack/localstack:4.0.3"
HOST_PORTS = (30080, 30300)  # the gateway's and Grafana's node ports in Pulumi.localstack.yaml


class ToolMissingError(RuntimeError):
    """kind or a Docker engine is not available."""


def _require_tools() -> None:
    for tool in ("kind", "docker"):
        if shutil.which(tool) is None:
            raise ToolMissingError(f"{tool} is not installed: see docs/deploy.md (local Kubernetes)")
    if subprocess.run(["docker", "info"], capture_output=True, check=False).returncode != 0:
        raise ToolMissingError("no Docker engine answers `docker info`: start Docker first")


def localstack_names() -> tuple[str, str]:
    """The Kind cluster's name and the apps image, as ``Pulumi.localstack.yaml`` names them."""
    config, _ = stack_config("localstack")
    cluster = yaml.safe_load(config["cnop:cluster"])
    images = yaml.safe_load(config["cnop:images"])
    return str(cluster["kindClusterName"]), f"{images['repository']}:{images['tag']}"


def kind_config() -> str:
    mappings = [{"containerPort": port, "hostPort": port, "listenAddress": "127.0.0.1"} for port in HOST_PORTS]
    return str(yaml.safe_dump({"kind": "Cluster", "apiVersion": "kind.x-k8s.io/v1alpha4",
                               "nodes": [{"role": "control-plane", "extraPortMappings": mappings}]}))


def up(cluster_name: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "kind.yaml"
        path.write_text(kind_config())
        subprocess.run(["kind", "create", "cluster", "--name", cluster_name, "--image", NODE_IMAGE,
                        "--config", str(path)], check=True)
    subprocess.run(["docker", "run", "--detach", "--name", "localstack", "--network", "kind",
                    "--publish", "127.0.0.1:4566:4566", "--env", "SERVICES=dynamodb,kms", LOCALSTACK_IMAGE],
                   check=True)


def load_images() -> dict[str, str]:
    """The Dockerfile targets ``make kind-load`` builds, with their tags: the apps image, and the load image
    where ``Pulumi.localstack.yaml`` enables the cluster's load generator."""
    config, _ = stack_config("localstack")
    _, image = localstack_names()
    loadtest = yaml.safe_load(config.get("cnop:loadtest", "{}")) or {}
    repository, tag = image.rsplit(":", 1)
    return {"apps": image, **({"loadtest": f"{repository}:{LOAD_TAG.format(tag)}"} if loadtest.get("enabled") else {})}


def load(cluster_name: str, images: dict[str, str]) -> None:
    for target, image in images.items():
        subprocess.run(["docker", "build", "--target", target, "--tag", image, str(REPO)], check=True)
        subprocess.run(["kind", "load", "docker-image", image, "--name", cluster_name], check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("action", choices=["up", "load"])
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="kind: %(message)s")
    cluster_name, _ = localstack_names()
    try:
        _require_tools()
        if args.action == "up":
            up(cluster_name)
        else:
            load(cluster_name, load_images())
    except ToolMissingError as exc:
        log.error("%s", exc)
        return 2
    except subprocess.CalledProcessError as exc:
        log.error("%s failed with exit code %s", " ".join(map(str, exc.cmd)), exc.returncode)
        return exc.returncode or 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
