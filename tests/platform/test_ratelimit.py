"""Rate limits counted in the database (server/ratelimit.py): one count for every process,
exact under parallel hits, and old windows do not pile up."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from litestar.testing import TestClient

from server import ratelimit
from server.app import create_app
from server.certificates import routes as certificate_routes
from server.db import make_engine
from tests.support import run, sql

LIMIT = ratelimit.Limit("test.hits", 5, 60)


def test_windows_slide_in_six_slices_and_say_when_the_oldest_leaves():
    now = datetime(2026, 12, 4, 18, 0, 42, tzinfo=UTC)
    assert LIMIT.slice == 10 and ratelimit.slice_start(now, 10) == datetime(
        2026, 12, 4, 18, 0, 40, tzinfo=UTC
    )
    assert ratelimit.retry_after(now, LIMIT) == 9
    assert (
        ratelimit.address("2001:db8:1:2:aaaa::1")
        == ratelimit.address("2001:db8:1:2:bbbb::7")
        == "2001:db8:1:2::/64"
    )
    assert ratelimit.address("2001:db8:1:3::1") != ratelimit.address("2001:db8:1:2::1"), "another subscriber"
    assert ratelimit.address("::ffff:10.0.0.1") == ratelimit.address("10.0.0.1") == "10.0.0.1"
    assert ratelimit.address("testclient") == "testclient"
    assert ratelimit.subject_of("10.0.0.1") != "10.0.0.1" and len(ratelimit.subject_of("10.0.0.1")) == 64


def test_parallel_hits_are_counted_exactly_and_old_windows_are_deleted(settings, demo):
    now = datetime.now(UTC)

    async def scenario():
        engine = make_engine(settings.database_url)
        try:
            counts = await asyncio.gather(*(ratelimit.hit(engine, LIMIT, "10.0.0.1", now) for _ in range(30)))
            other = await ratelimit.hit(engine, LIMIT, "10.0.0.2", now)
            await ratelimit.give_back(engine, LIMIT, "10.0.0.1", now)
            after = await ratelimit.hits(engine, LIMIT, "10.0.0.1", now)
            sliding = await ratelimit.hit(engine, LIMIT, "10.0.0.1", now + timedelta(seconds=30))
            later = await ratelimit.hit(engine, LIMIT, "10.0.0.1", now + timedelta(minutes=2))
            return counts, other, after, sliding, later
        finally:
            await engine.dispose()

    counts, other, after, sliding, later = run(scenario())
    assert sorted(counts) == list(range(1, 31)), "every hit counted once, none lost or doubled"
    assert other == 1 and after == 29 and later == 1
    assert sliding == 30, "half a minute later the hits of the slice before still count"
    rows = sql(demo, "SELECT subject, hits FROM rate_counters WHERE scope = 'test.hits'")
    assert rows == [(ratelimit.subject_of("10.0.0.1"), 1)], "closed windows deleted; no address kept in clear"


def test_certificate_verification_is_limited_across_server_processes(demo):
    """Two instances of the service on one database (two processes, as in production) share the
    count: the limit is not per process any more."""
    with (
        TestClient(create_app(demo), base_url="http://testserver.local") as first,
        TestClient(create_app(demo), base_url="http://testserver.local") as second,
    ):
        half = certificate_routes.VERIFY_LIMIT // 2
        assert {first.get("/v/unknown-serial").status_code for _ in range(half)} == {404}
        assert {
            second.get("/v/unknown-serial").status_code for _ in range(certificate_routes.VERIFY_LIMIT - half)
        } == {404}
        assert first.get("/v/unknown-serial").status_code == 429
        assert second.get("/v/unknown-serial").status_code == 429
