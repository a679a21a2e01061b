"""The ``huimin`` command: database, demo data, users, audit chain, serving.

Each command imports what it uses inside its function, on purpose: ``huimin db upgrade`` (the
release step) and ``huimin audit verify`` must run without importing the web application, every
domain and their heavy libraries, and ``--help`` stays instant."""

from __future__ import annotations

import asyncio
import getpass
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import click

from server import clock
from server.accounts.permissions import Role
from server.settings import ROOT, load_settings


def _audit_messages() -> None:
    """The audit trail's messages, for commands that print them without the web app (which
    registers every domain's through its plugin)."""
    from server.audit import i18n
    from server.i18n import register

    register(dict(i18n.CODES), dict(i18n.EN))


def upgrade_database(url: str, connect_args: dict | None = None) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = url
    config.attributes["connect_args"] = connect_args or {}
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        command.upgrade(config, "heads")
        return
    # called from inside an event loop (a test driving a browser): migrate on a fresh thread
    with ThreadPoolExecutor(1) as pool:
        pool.submit(command.upgrade, config, "heads").result()


@click.group()
def main() -> None:
    """Huimin (惠民) civil-affairs service platform."""


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every Alembic migration."""
    from server.notifications.service import vapid_public_key

    settings = load_settings()
    upgrade_database(settings.database_url, settings.database_connect_args)
    vapid_public_key(settings)  # setup also creates the Web Push (VAPID) keys, once
    click.echo("database is up to date")
    _anchor_after_upgrade(settings)


def _anchor_after_upgrade(settings) -> None:
    """An anchor right after migrating pins where the keyed chain starts (``keyed_from``)."""
    from server.audit.service import anchor_head, configure, describe_anchoring
    from server.db import session_scope

    _audit_messages()

    async def run():
        async with session_scope(settings.database_url, settings.database_connect_args) as session:
            return await anchor_head(session, force=True)

    try:
        configure(settings)
        outcome = asyncio.run(run())
    except Exception as e:  # noqa: BLE001  (the release goes on; `huimin audit anchor` can be run later)
        click.echo(f"audit anchor not written: {e}", err=True)
        return
    click.echo(describe_anchoring(outcome, "en"), err=bool(outcome.problem))


@main.group()
def demo() -> None:
    """Demo data."""


async def _seed_and_list(base: str = "http://127.0.0.1:8000") -> None:
    from sqlalchemy import select

    from server.db import session_scope
    from server.demo import DEMO_PASSWORD, demo_accounts, seed
    from server.i18n import ROLE_LABELS
    from server.regions.models import Region

    settings = load_settings()
    async with session_scope(settings.database_url, settings.database_connect_args) as session:
        created = await seed(session, settings.secret_key)
        accounts = await demo_accounts(session)
        names = {r.code: r.name for r in await session.scalars(select(Region))}
    click.echo("demo city created" if created else "demo city already present")
    click.echo(f"\nDemo staff accounts (password for all: {DEMO_PASSWORD}) at {base}/office")
    for s in accounts:
        click.echo(
            f"  {s.username:<15} {ROLE_LABELS[s.role]:<12} "
            f"{names.get(s.region_code, s.region_code)} ({s.region_code})"
        )
    click.echo(f"\nDemo citizens sign in at {base}/login with 13800000001, 13800000002 or 13800000003;")
    click.echo(f"the one-time code appears at {base}/dev/outbox (development only).\n")


@demo.command("seed")
@click.option("--base", default="http://127.0.0.1:8000", help="where the printed links point")
def demo_seed(base: str = "http://127.0.0.1:8000") -> None:
    """Create the demo city (idempotent) and print the demo accounts."""
    asyncio.run(_seed_and_list(base))


@main.group()
def user() -> None:
    """Staff accounts."""


@user.command("create")
@click.option("--username", required=True)
@click.option("--name", "display_name", required=True)
@click.option(
    "--role",
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="security_admin manages accounts, system_admin the calendar, audit_admin reads the audit trail",
)
@click.option("--region", "region_code", required=True)
@click.option(
    "--password", envvar="HUIMIN_NEW_PASSWORD", default=None, help="or HUIMIN_NEW_PASSWORD; asked if absent"
)
def user_create(username: str, display_name: str, role: str, region_code: str, password: str | None) -> None:
    """Create a staff account."""
    from server.accounts.staff_service import StaffError, create_staff
    from server.audit.service import Actor
    from server.db import session_scope
    from server.domains import register_messages
    from server.i18n import translate
    from server.regions.models import Region

    register_messages()  # the refusals below are printed in both languages
    password = password or getpass.getpass("Password: ")

    settings = load_settings()

    async def run() -> None:
        async with session_scope(settings.database_url, settings.database_connect_args) as session:
            if await session.get(Region, region_code) is None:
                raise StaffError("region.unknown")
            await create_staff(
                session,
                Actor("system", None, "huimin user create"),
                username=username,
                display_name=display_name,
                role=role,
                region_code=region_code,
                password=password,
            )

    try:
        asyncio.run(run())
    except StaffError as e:
        click.echo(translate("zh", e.code) + " / " + translate("en", e.code), err=True)
        sys.exit(2)
    click.echo(f"created {username}")


@main.group()
def audit() -> None:
    """The audit trail."""


def _both(zh: str, en: str) -> str:
    return zh if zh == en else f"{zh} / {en}"


@audit.command("hash-value")
@click.argument("value")
def audit_hash_value(value: str) -> None:
    """The form a sensitive value (an ID number, a phone, a bank account...) takes in the trail's
    before/after, so an auditor holding the key can find the records that name a value they know."""
    from server.audit.rules import HASH_PREFIX, canonical
    from server.audit.service import value_hash

    settings = load_settings()
    click.echo(HASH_PREFIX + value_hash(settings.audit_key or settings.secret_key, canonical(value)))


@audit.command("verify")
@click.option(
    "--public-key",
    "public_key",
    default=None,
    type=click.Path(exists=True, dir_okay=False),
    help="check the anchors' signatures with this Ed25519 public key (PEM) instead of the service's",
)
def audit_verify(public_key: str | None) -> None:
    """Check the whole chain with the key and against the anchors; name the first broken record
    or anchor (exit 1)."""
    from server.audit.anchors import load_public_key
    from server.audit.service import configure, describe, verify_chain
    from server.db import session_scope

    settings = load_settings()
    configure(settings)
    _audit_messages()
    key = load_public_key(Path(public_key).read_bytes()) if public_key else None

    async def run():
        async with session_scope(settings.database_url, settings.database_connect_args) as session:
            return await verify_chain(session, key)

    report = asyncio.run(run())
    for zh, en in zip(describe(report, "zh"), describe(report, "en"), strict=True):
        click.echo(_both(zh, en))
    if report.intact:
        click.echo(f"audit chain intact: {report.checked} records, {report.anchors.checked} anchors")
        return
    if not report.chain.intact:
        click.echo(
            f"audit chain BROKEN at record {report.broken_seq} ({report.reason}); "
            f"{report.checked} records before it are intact"
        )
    if not report.anchors.intact:
        seq = "" if report.anchors.seq is None else f", naming record {report.anchors.seq}"
        click.echo(f"audit anchors BROKEN at anchor {report.anchors.broken_n} ({report.anchors.reason}{seq})")
    sys.exit(1)


@audit.command("anchor")
def audit_anchor() -> None:
    """Write a signed checkpoint of the chain's head outside the database now (exit 1 if refused)."""
    from server.audit.service import anchor_head, configure, describe_anchoring
    from server.db import session_scope

    _audit_messages()

    settings = load_settings()
    configure(settings)

    async def run():
        async with session_scope(settings.database_url, settings.database_connect_args) as session:
            return await anchor_head(session, force=True)

    outcome = asyncio.run(run())
    click.echo(_both(describe_anchoring(outcome, "zh"), describe_anchoring(outcome, "en")))
    if outcome.problem:
        sys.exit(1)


@audit.command("public-key")
def audit_public_key() -> None:
    """Print the public key the anchors are signed with (PEM), for auditors to keep."""
    from server.audit.anchors import public_key_pem, signing_key

    click.echo(public_key_pem(signing_key(load_settings()).public_key()), nl=False)


@main.command("worker")
@click.option("--once", is_flag=True, help="process what is pending and exit")
@click.option("--every", default=5.0, help="seconds between rounds")
def worker(once: bool, every: float) -> None:
    """Background work: survival-check schedule (reminders, suspensions, deleting old frames),
    the retention table enforced (first round, then hourly: department files, documents, codes...),
    staff accounts unused for 90 days disabled, exports not used in time lapsed, then push queued
    messages to citizens' phones."""
    import time

    from server.accounts.staff_service import disable_dormant
    from server.audit.service import anchor_head, configure, describe_anchoring
    from server.db import session_scope
    from server.exports.service import expire as expire_exports
    from server.notifications.service import send_pending
    from server.retention import service as retention
    from server.survival.service import run_round

    _audit_messages()

    settings = load_settings()
    configure(settings)
    last_retention = [float("-inf")]

    async def round_() -> int:
        async with session_scope(settings.database_url, settings.database_connect_args) as session:
            await run_round(session, clock.today())
        if time.monotonic() - last_retention[0] >= RETENTION_EVERY:
            async with session_scope(settings.database_url, settings.database_connect_args) as session:
                deleted = await retention.run(session, settings)
            last_retention[0] = time.monotonic()
            if deleted.total:
                click.echo("retention: " + _counts(deleted.counts))
        async with session_scope(settings.database_url, settings.database_connect_args) as session:
            await disable_dormant(session)
        async with session_scope(settings.database_url, settings.database_connect_args) as session:
            await expire_exports(session)  # approved exports past their time, requests undecided a week
        async with session_scope(settings.database_url, settings.database_connect_args) as session:
            sent = await send_pending(session, settings)
        try:
            async with session_scope(settings.database_url, settings.database_connect_args) as session:
                anchored = await anchor_head(session)  # only when due (records or minutes since the last)
        except Exception as e:  # noqa: BLE001  (the round's other work goes on; said on every round)
            click.echo(f"audit anchor not written: {e!r}", err=True)
        else:
            if anchored.problem:
                click.echo(
                    _both(describe_anchoring(anchored, "zh"), describe_anchoring(anchored, "en")), err=True
                )
        return sent

    while True:
        sent = asyncio.run(round_())
        if sent:
            click.echo(f"pushed {sent} messages")
        if once:
            return
        time.sleep(every)


RETENTION_EVERY = 3600.0  # seconds between two runs of the retention table in the worker


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {n}" for k, n in counts.items() if n) or "nothing"


@main.group()
def retention() -> None:
    """Keeping less: the retention table and its enforcement."""


@retention.command("show")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh")
def retention_show(lang: str) -> None:
    """Print the retention table: each class of personal data, how long it is kept, and why."""
    from server.retention import i18n
    from server.retention.rules import TABLE

    say = (lambda s: s) if lang == "zh" else (lambda s: i18n.EN.get(s, s))
    for r in TABLE:
        click.echo(f"{r.data_class}: {say(r.what)}")
        click.echo(f"    {say(r.period)}")
        click.echo(f"    {say(r.basis)}")
        click.echo(f"    [{r.enforced_by}]")


@retention.command("run")
@click.option("--dry-run", is_flag=True, help="count what would be deleted, per class; change nothing")
def retention_run(dry_run: bool) -> None:
    """Apply the retention table now (the worker does it every hour), audited as the system."""
    from server.audit.service import configure
    from server.db import session_scope
    from server.retention import service as retention_service

    _audit_messages()
    settings = load_settings()
    configure(settings)

    async def run():
        async with session_scope(settings.database_url, settings.database_connect_args) as session:
            return await retention_service.run(session, settings, dry_run=dry_run)

    report = asyncio.run(run())
    verb = "would delete" if dry_run else "deleted"
    for name, n in report.counts.items():
        click.echo(f"{name:<18} {verb} {n}")


@main.command("backup")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="the archive to write")
def backup(out: str) -> None:
    """Write one encrypted archive of the database and the var folder's files (docs/restore-drill.md)."""
    from server.audit.service import configure
    from server.retention import backup_service as b

    settings = load_settings()
    configure(settings)
    try:
        _, warning = b.backup_key(settings)
        if warning:
            click.echo("warning: " + warning, err=True)
        asyncio.run(b.audit_event(settings, "backup.create", {"file": Path(out).name}))
        manifest = asyncio.run(b.create_backup(settings, Path(out)))
    except b.BackupError as e:
        click.echo(f"backup refused: {e}", err=True)
        sys.exit(2)
    click.echo(
        f"backup written to {out}: {manifest.backend} database (revision {manifest.revision}), "
        f"{manifest.files} files, {manifest.created_at}"
    )


@main.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True, help="replace a database that already holds data")
def restore(archive: str, force: bool) -> None:
    """Put an archive from `huimin backup` back: checked in full first (a changed or cut archive is
    refused), never over a database holding data without --force. Then run `huimin db upgrade` and
    `huimin audit verify`."""
    from server.audit.service import configure
    from server.retention import backup_service as b

    settings = load_settings()
    configure(settings)
    _audit_messages()
    try:
        manifest = asyncio.run(b.restore_backup(settings, Path(archive), force=force))
    except b.BackupError as e:
        click.echo(f"restore refused: {e}", err=True)
        sys.exit(2)
    try:
        asyncio.run(
            b.audit_event(
                settings, "backup.restore", {"file": Path(archive).name, "made": manifest.created_at}
            )
        )
    except Exception as e:  # noqa: BLE001  (restored all the same; say why the record is missing)
        click.echo(f"restored, but the restore was not recorded in the audit trail: {e!r}", err=True)
    click.echo(
        f"restored {manifest.backend} database (revision {manifest.revision}) and {manifest.files} files "
        f"from {archive}, made {manifest.created_at}; now run `huimin db upgrade` and `huimin audit verify`"
    )


@main.group()
def keys() -> None:
    """Data keys (HUIMIN_DATA_KEYS): re-seal what is at rest under the newest one."""


async def rotate_keys(settings, batch: int = 500) -> dict[str, tuple[int, int]]:
    """Every sealed column and the application documents re-sealed under the newest data key
    (plaintext faces, frames and documents kept before they were sealed, and Fernet tokens, too):
    {what: (resealed, refused)}. One transaction per column page; audited once at the end."""
    from sqlalchemy import select

    from server import crypto
    from server import keys as sealed
    from server.assistance.documents_service import reseal_documents
    from server.assistance.models import Document
    from server.audit.service import SYSTEM, record
    from server.db import session_scope

    ring = crypto.keyring(settings)
    counts: dict[str, tuple[int, int]] = {}
    for spec in sealed.SEALED:
        async with session_scope(settings.database_url) as session:
            done = await sealed.reseal(session, ring, spec, batch)
        counts[spec.name] = (done.resealed, done.refused)
    resealed = refused = 0
    last = 0
    while True:
        async with session_scope(settings.database_url) as session:
            page = (
                await session.execute(
                    select(Document.id, Document.stored_name)
                    .where(Document.id > last)
                    .order_by(Document.id)
                    .limit(batch)
                )
            ).all()
        if not page:
            break
        last = page[-1].id
        done, bad = reseal_documents(settings, [row.stored_name for row in page])
        resealed, refused = resealed + done, refused + bad
    counts["assistance_documents (files)"] = (resealed, refused)
    async with session_scope(settings.database_url) as session:
        await record(
            session,
            SYSTEM,
            "keys.rotate",
            "data_key",
            ring.current,
            after={"backend": ring.backend.name, "counts": {k: list(v) for k, v in counts.items()}},
        )
    return counts


@keys.command("rotate")
@click.option("--batch", default=500, help="rows read and written per page")
def keys_rotate(batch: int) -> None:
    """Re-seal every sealed value under the newest key of HUIMIN_DATA_KEYS; prints the counts.
    Keep the old keys listed until this reports nothing refused."""
    from server.audit.service import configure

    _audit_messages()
    settings = load_settings()
    configure(settings)
    counts = asyncio.run(rotate_keys(settings, batch))
    for what, (done, refused) in counts.items():
        click.echo(f"{what}: {done} re-sealed" + (f", {refused} refused" if refused else ""))
    if any(refused for _, refused in counts.values()):
        click.echo("some values did not open under any listed key: keep the old keys", err=True)
        sys.exit(1)


@main.group()
def verification() -> None:
    """The verification center: its standard, department API keys, imports from the shell."""


@verification.command("standard")
@click.option("--out", default=str(ROOT / "docs"), help="folder for the standard and the JSON Schemas")
def verification_standard(out: str) -> None:
    """Write docs/verification-data-standard.md and docs/schemas/*.json."""
    from server.verification import standard

    standard.write(Path(out))
    click.echo(f"written to {out}")


@verification.command("client")
@click.argument("name")
@click.option("--sources", required=True, help="comma-separated source codes, e.g. deaths,hukou")
@click.option("--region", default=None, help="the department's region code (default: the city)")
def verification_client(name: str, sources: str, region: str | None) -> None:
    """Create an API key for a department system (shown once)."""
    from server.db import session_scope
    from server.regions import queries as region_queries
    from server.verification.service import create_api_client

    settings = load_settings()

    async def run() -> str:
        async with session_scope(settings.database_url, settings.database_connect_args) as session:
            code = region or await region_queries.city_code(session)
            return await create_api_client(
                session, name, [s.strip() for s in sources.split(",") if s.strip()], code
            )

    click.echo(asyncio.run(run()))


@main.command("serve")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=8000, type=int)
def serve(host: str, port: int) -> None:
    """Serve the application with uvicorn."""
    import uvicorn

    uvicorn.run("server.asgi:app", host=host, port=port, proxy_headers=False)


@main.command("demo-run")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=8000, type=int)
@click.pass_context
def demo_run(ctx: click.Context, host: str, port: int) -> None:
    """Upgrade the database, seed the demo city, print the accounts, and serve (in development mode,
    set explicitly: the demo tools such as the SMS outbox page exist only then)."""
    import os

    if os.environ.get("HUIMIN_ENV", "development") != "development":
        raise click.ClickException("demo-run is for development only (HUIMIN_ENV is set to something else)")
    os.environ["HUIMIN_ENV"] = "development"
    ctx.invoke(db_upgrade)
    ctx.invoke(demo_seed, base=f"http://{host}:{port}")  # the links printed are the ones served
    ctx.invoke(serve, host=host, port=port)


if __name__ == "__main__":
    main()
