"""Review findings on the auth app: concurrent email changes of one account."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from apps.common.models import EmailClaimItem
from tests.support.users import register_and_login, registration


def test_concurrent_email_changes_leave_no_orphan_claims(app_processes: dict[str, str], auth_app: Any) -> None:
    user = register_and_login(auth_app)
    candidates = [f"{user.username}.{n}@example.net" for n in range(8)]

    def change(email: str) -> tuple[int, str | None]:
        with httpx.Client(base_url=app_processes["auth"], timeout=30) as api:
            answer = api.put("/auth/profile", json={"email": email}, headers=user.headers)
        return answer.status_code, None if answer.status_code == 200 else answer.json()["code"]

    with ThreadPoolExecutor(max_workers=len(candidates)) as pool:
        answers = dict(zip(candidates, pool.map(change, candidates), strict=True))
    assert set(answers.values()) <= {(200, None), (409, "profile_changed")}, answers
    final = auth_app.get("/auth/profile", headers=user.headers).json()["email"]
    assert answers[final] == (200, None), "the address kept is one whose change was answered 200"
    orphans = [email for email in candidates if email != final
               and EmailClaimItem.find(EmailClaimItem.key_for(email), consistent=True) is not None]
    blocked = [email for email in orphans
               if auth_app.post("/auth/register", json=registration(email=email)).status_code == 409]
    assert not blocked, f"{len(blocked)} addresses the user gave up can no longer be registered: {answers}"
