""".env.example lists every variable the settings classes read, and nothing they do not."""

from __future__ import annotations

import re

from ops.envnames import all_env_names
from ops.servers import REPO


def test_env_example_is_complete_and_has_no_stale_names() -> None:
    listed = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", (REPO / ".env.example").read_text(), flags=re.MULTILINE))
    assert listed == all_env_names()
