"""A Redis restart costs no request: pooled connections it closed are dialled again once, at once."""

from __future__ import annotations

import asyncio
from pathlib import Path

from apps.common.redis_client import make_async_redis, make_redis
from apps.common.settings import PlatformSettings
from ops.servers import free_port, start_redis


def test_the_first_commands_after_a_restart_succeed_on_both_clients(server_logs: Path) -> None:
    port = free_port()
    settings = PlatformSettings(redis_url=f"redis://127.0.0.1:{port}/0")
    servers = [start_redis(port, server_logs / "reconnect-redis.log")]
    sync_client, async_client = make_redis(settings), make_async_redis(settings)
    script = async_client.register_script("return redis.call('INCR', KEYS[1])")

    async def in_flight(count: int) -> list[int]:
        return list(await asyncio.gather(*(script(keys=["cnop:test:n"]) for _ in range(count))))

    async def scenario() -> tuple[list[int], list[int]]:
        before = await in_flight(8)  # several pooled connections, each open when Redis goes away
        servers[0].stop()
        servers.append(start_redis(port, server_logs / "reconnect-redis.log"))
        after = await in_flight(8)
        await async_client.aclose()
        return before, after

    try:
        sync_client.ping()
        before, after = asyncio.run(scenario())
        assert sorted(before) == list(range(1, 9))
        assert sorted(after) == list(range(1, 9)), "the restarted Redis answered every command, none failed"
        assert sync_client.incr("cnop:test:n") == 9
    finally:
        sync_client.close()
        for server in servers:
            server.stop()
