"""The Pulumi program (``pulumi up`` in this folder): config in, components built, outputs exported."""

import pulumi

from stacks.config import load
from stacks.program import build

for output_name, value in build(load()).items():
    pulumi.export(output_name, value)
