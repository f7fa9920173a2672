"""The shell commands of the runbooks (docs/runbooks/*.md): fenced ``sh`` blocks whose first line says where
they run. ``# locally`` blocks are checks, run as written against a live local stack by
tests/e2e/monitoring; ``# locally, to fix`` blocks change the stack and are only checked here."""

from __future__ import annotations

import re
import textwrap

from ops.servers import REPO

RUNBOOKS = REPO / "docs" / "runbooks"
_BLOCK = re.compile(r"```sh\n(?P<body>[ \t]*# locally(?P<fix>, to fix)?\n.*?)```", re.DOTALL)


def runbook_blocks(*, fixes: bool) -> list[tuple[str, str]]:
    """(runbook, commands) for every local check block, or every local fix block."""
    return [(path.stem, textwrap.dedent(match["body"])) for path in sorted(RUNBOOKS.glob("*.md"))
            for match in _BLOCK.finditer(path.read_text()) if bool(match["fix"]) == fixes]
