"""Brute-force login: one client guesses a password until the gateway blocks it; the right password from
that client is refused too, while the account's owner, from another address, still gets in.
"""

from __future__ import annotations

from loadtests.options import security_config
from loadtests.scripted import ScriptedUser, observe
from loadtests.users import PASSWORD, new_username, synthetic_address

WRONG = "Wr0ng!Guess123"
EXTRA_ATTEMPTS = 3


class BruteForceUser(ScriptedUser):
    def script(self) -> None:
        max_failures = int(security_config(self.environment).guard_gateway.in_force()["login_max_failures"])
        victim = new_username("victim")
        self.client_address = synthetic_address()
        if self.register(victim).status != 201:
            return
        attacker = self.client_address = synthetic_address()
        for attempt in range(max_failures):
            observe("attempt", self.login(victim, WRONG, expect=(401,)), client=attacker, attempt=attempt,
                    password="wrong")
        for attempt in range(max_failures, max_failures + EXTRA_ATTEMPTS):
            observe("attempt", self.login(victim, WRONG, expect=(403,)), client=attacker, attempt=attempt,
                    password="wrong")
        observe("attempt", self.login(victim, PASSWORD, expect=(403,)), client=attacker,
                attempt=max_failures + EXTRA_ATTEMPTS, password="right")
        owner = self.client_address = synthetic_address()
        observe("bystander", self.login(victim, PASSWORD, expect=(200,)), client=owner, password="right")
