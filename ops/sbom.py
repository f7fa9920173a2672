"""``make image-sbom``: a CycloneDX SBOM of the apps image, from the lock it is built from.

The Python packages are exactly ``requirements/runtime.lock`` (each with its version, PURL and the hashes pip
checks), the root component is this project (``pyproject.toml``), and the base image the Dockerfile pins by
digest is added as a container component, so the SBOM names every input of the build. The base image's own
Debian packages are not listed: only an image scanner on a built image sees them (docs/deploy.md).

    build/sbom/cnop-apps.cdx.json
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from ops.offline import REPO

LOCK = REPO / "requirements" / "runtime.lock"
OUTPUT = REPO / "build" / "sbom" / "cnop-apps.cdx.json"
BASE_IMAGE = re.compile(r"^FROM (?P<name>[^\s:@]+):(?P<tag>[^\s@]+)@(?P<digest>sha256:[0-9a-f]{64})", re.MULTILINE)

log = logging.getLogger("sbom")


def base_image(dockerfile: Path = REPO / "Dockerfile") -> dict[str, Any]:
    found = BASE_IMAGE.search(dockerfile.read_text())
    if found is None:
        raise ValueError(f"{dockerfile}: the base image is not pinned by digest")
    name, tag, digest = found["name"], found["tag"], found["digest"]
    return {"type": "container", "bom-ref": f"base-image:{name}:{tag}", "name": name, "version": tag,
            "hashes": [{"alg": "SHA-256", "content": digest.removeprefix("sha256:")}],
            "purl": f"pkg:docker/library/{name}@{digest.replace(':', '%3A')}?tag={tag}",
            "description": "the base image of every stage of the Dockerfile"}


def write_sbom(output: Path = OUTPUT) -> dict[str, Any]:
    output.parent.mkdir(parents=True, exist_ok=True)
    cyclonedx = Path(sys.executable).parent / "cyclonedx-py"
    closed = {"HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9", "NO_PROXY": ""}
    subprocess.run([str(cyclonedx), "requirements", str(LOCK), "--pyproject", str(REPO / "pyproject.toml"),
                    "--output-reproducible", "--of", "JSON", "--sv", "1.6", "-o", str(output)],
                   check=True, capture_output=True, text=True, env={**os.environ, **closed})
    document: dict[str, Any] = json.loads(output.read_text())
    document["components"].append(base_image())
    output.write_text(json.dumps(document, indent=2, sort_keys=False) + "\n")
    return document


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="sbom: %(message)s")
    document = write_sbom(args.output)
    log.info("%s: CycloneDX %s, %d components", args.output, document["specVersion"], len(document["components"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
