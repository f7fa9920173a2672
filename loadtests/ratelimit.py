"""Rate-limit burst: synthetic clients, each behind the trusted proxy with its own address, read one public
route as fast as they can, twice the configured limit, then wait out Retry-After and try once more.
"""

from __future__ import annotations

import time

from loadtests.options import security_config
from loadtests.scripted import ScriptedUser, observe
from loadtests.users import synthetic_address

ROUTE = "/api/v1/inventory/assets/{asset_id}"


class BurstUser(ScriptedUser):
    def script(self) -> None:
        rule = security_config(self.environment).guard_gateway.in_force()["rate_limits"]["public"]
        self.client_address = synthetic_address()
        last = None
        for sent in range(2 * int(rule["limit"])):
            last = self.call("GET", "/api/v1/inventory/assets/BTC", (200, 429), name=ROUTE)
            observe("burst", last, client=self.client_address, sequence=sent)
        retry_after = int(last.headers.get("retry-after", "1")) if last is not None else 1
        time.sleep(retry_after)  # gevent-patched: only this user waits
        observe("after_retry_after", self.call("GET", "/api/v1/inventory/assets/BTC", (200,), name=ROUTE),
                client=self.client_address, waited_s=retry_after)
