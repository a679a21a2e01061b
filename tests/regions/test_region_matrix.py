"""Staff see and act only inside their own region's subtree: every level is tried against a
sibling region's records, by URL and by forged form fields."""

import pytest
from sqlalchemy import select

from server.accounts.staff_service import create_staff
from server.audit.service import SYSTEM, record
from server.demo import region_rows
from server.regions.models import Region
from tests.support import in_db, post_form, sql, staff_login

PASSWORD = "matrix-pass-2026"

# A second city beside the demo city, so the city level has a sibling too.
SIBLING_CITY = ("331000", "台州市")
SIBLING_TREE = {("331002", "椒江区"): {("331002001", "海门街道"): [("331002001001", "东山社区")]}}

# level -> (home region, sibling region at the same level)
LEVELS = {
    "city": ("331100", "331000"),
    "district": ("331102", "331121"),
    "street": ("331102001", "331102002"),
    "community": ("331102001001", "331102001002"),
}
AUDIT_LEVELS = ("city", "district")  # where an audit administrator may sit


@pytest.fixture
def matrix(demo):
    async def build(session):
        session.add_all(region_rows(SIBLING_CITY, SIBLING_TREE))
        await session.flush()
        ids = {}
        for level, (home, sibling) in LEVELS.items():
            me = await create_staff(
                session,
                SYSTEM,
                username=f"adm_{level}",
                display_name=f"admin {level}",
                role="security_admin",
                region_code=home,
                password=PASSWORD,
            )
            other = await create_staff(
                session,
                SYSTEM,
                username=f"other_{level}",
                display_name=f"other {level}",
                role="security_admin",
                region_code=sibling,
                password=PASSWORD,
            )
            if level in AUDIT_LEVELS:
                await create_staff(
                    session,
                    SYSTEM,
                    username=f"aud_{level}",
                    display_name=f"auditor {level}",
                    role="audit_admin",
                    region_code=home,
                    password=PASSWORD,
                )
            own_audit = await record(session, SYSTEM, "test.mark", "thing", level, region_code=home)
            other_audit = await record(session, SYSTEM, "test.mark", "thing", level, region_code=sibling)
            ids[level] = dict(me=me.id, other=other.id, own_audit=own_audit.seq, other_audit=other_audit.seq)
        return ids

    return in_db(demo, build)


@pytest.mark.parametrize("level", list(LEVELS))
def test_sibling_records_by_url_are_not_found(client, matrix, level):
    home, sibling = LEVELS[level]
    ids = matrix[level]
    assert staff_login(client, f"adm_{level}", PASSWORD).status_code == 303
    # own records are reachable ...
    assert client.get(f"/office/users/{ids['me']}").status_code == 200
    assert client.get(f"/office/regions/{home}").status_code == 200
    assert client.get(f"/office?region={home}").status_code == 200
    # ... the sibling's are not
    assert client.get(f"/office/users/{ids['other']}").status_code == 404
    assert client.get(f"/office/regions/{sibling}").status_code == 404
    assert client.get(f"/office?region={sibling}").status_code == 403
    listing = client.get("/office/users")
    assert f"other_{level}" not in listing.text and f"adm_{level}" in listing.text


@pytest.mark.parametrize("level", AUDIT_LEVELS)
def test_an_audit_administrator_reads_only_their_region_of_the_trail(client, matrix, level):
    home, sibling = LEVELS[level]
    ids = matrix[level]
    assert staff_login(client, f"aud_{level}", PASSWORD).status_code == 303
    assert client.get(f"/office/audit/{ids['own_audit']}").status_code == 200
    assert client.get(f"/office/audit/{ids['other_audit']}").status_code == 404
    assert client.get(f"/office/audit?region={sibling}").status_code == 403


@pytest.mark.parametrize("level", list(LEVELS))
def test_forged_form_fields_are_refused(client, settings, matrix, level):
    home, sibling = LEVELS[level]
    ids = matrix[level]
    staff_login(client, f"adm_{level}", PASSWORD)
    created = post_form(
        client,
        "/office/users",
        {
            "username": f"forged_{level}",
            "display_name": "x",
            "role": "security_admin",
            "region_code": sibling,
            "password": PASSWORD,
        },
    )
    assert created.status_code == 403
    assert "不在您的管辖范围内" in created.text
    moved = post_form(
        client,
        f"/office/users/{ids['me']}",
        {"display_name": "x", "role": "security_admin", "region_code": sibling, "active": "on"},
    )
    assert moved.status_code == 403
    edit_other = post_form(
        client,
        f"/office/users/{ids['other']}",
        {"display_name": "x", "role": "security_admin", "region_code": sibling},
    )
    assert edit_other.status_code == 404
    assert post_form(client, f"/office/users/{ids['other']}/unlock").status_code == 404
    rows = sql(
        settings,
        "SELECT region_code, display_name FROM staff WHERE username IN (:a, :b)",
        a=f"adm_{level}",
        b=f"other_{level}",
    )
    assert sorted(r[0] for r in rows) == sorted([home, sibling]), "nothing was changed"
    assert sql(settings, "SELECT count(*) FROM staff WHERE username = :u", u=f"forged_{level}")[0][0] == 0


def test_upper_level_reaches_down(client, matrix):
    staff_login(client, "adm_city", PASSWORD)
    assert client.get("/office/regions/331102001002").status_code == 200
    assert client.get(f"/office/users/{matrix['community']['other']}").status_code == 200


def test_roles_are_guarded(client, demo):
    staff_login(client, "community")
    assert client.get("/office").status_code == 200
    assert client.get("/office/users").status_code == 403
    assert client.get("/office/audit/verify").status_code == 403


def test_sibling_region_exists(demo):
    # the matrix means something only if the sibling regions are real
    async def codes(session):
        return {r.code for r in await session.scalars(select(Region))}

    assert {"331121", "331102002", "331102001002"} <= in_db(demo, codes)
