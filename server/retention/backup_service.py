"""Backup and restore of the whole service: the database (PostgreSQL by ``pg_dump``/``pg_restore``
in their custom format, SQLite by its online backup API) and the files under the var folder
(documents, photos, department files, audit anchors, keys), in one archive encrypted with
AES-256-GCM (``server.crypto``'s file format: authenticated records, so a changed, reordered or
cut archive is refused as a whole before anything is restored).

The archive is a tar stream: ``manifest.json`` first, then ``database.sqlite`` or ``database.dump``,
then ``var/<path>`` for each file. Its key is ``HUIMIN_BACKUP_KEY`` (kept apart from the server,
see docs/restore-drill.md), or, failing that, derived from the secret key (said as a warning: then
whoever holds the secret key can read every backup).

``huimin backup --out FILE`` and ``huimin restore FILE [--force]`` call this module; the restore
drill in docs/restore-drill.md is tested by tests/retention/test_backup.py."""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from sqlalchemy import inspect, text

from server.crypto import FILE_CHUNK, encrypted_writer, open_encrypted
from server.db import make_engine
from server.files import open_private, private_dir
from server.settings import Settings

FORMAT = 1
PURPOSE = "backup"
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite"
PG_MEMBER = "database.dump"
# what is not copied from the var folder: the SQLite database (copied consistently by the backup
# API instead), sessions (signing out everyone on restore is right), and backups themselves
SKIP_DIRS = {"sessions", "tmp"}
SKIP_SUFFIXES = (".huimin-backup", "-wal", "-shm", "-journal")
# tables whose rows make a database "not empty": restore refuses to overwrite them without --force
CORE_TABLES = ("regions", "staff", "citizens", "persons", "audit_records")


class BackupError(Exception):
    """A refusal, in plain words (the CLI prints it and exits 2)."""


@dataclass(frozen=True)
class Manifest:
    format: int
    created_at: str
    backend: str
    revision: str | None
    files: int


def backup_key(settings: Settings) -> tuple[str, str | None]:
    """The key archives are encrypted with, and a warning when it is not set on its own."""
    if settings.backup_key:
        if len(settings.backup_key) < 32:
            raise BackupError("HUIMIN_BACKUP_KEY must be at least 32 characters")
        return settings.backup_key, None
    return (
        "backup-key-derived-from:" + settings.secret_key,
        "HUIMIN_BACKUP_KEY is not set: the archive's key is derived from the secret key, so anyone "
        "holding the secret key can read it; set HUIMIN_BACKUP_KEY and escrow it (docs/restore-drill.md)",
    )


def _sqlite_path(url: str) -> Path:
    return Path(url.split(":///", 1)[1])


def _libpq(settings: Settings) -> tuple[str, dict[str, str]]:
    """The database URL and environment for pg_dump/pg_restore (libpq), TLS included."""
    url = settings.database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    env = dict(os.environ)
    if settings.database_ssl:
        env["PGSSLMODE"] = settings.database_ssl
    if settings.database_ssl_ca:
        env["PGSSLROOTCERT"] = settings.database_ssl_ca
    return url, env


def _var_files(settings: Settings, out: Path) -> Iterator[tuple[Path, str]]:
    root = settings.var_dir
    db = _sqlite_path(settings.database_url).resolve() if settings.sqlite else None
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if not path.is_file() or path.is_symlink() or rel.parts[0] in SKIP_DIRS:
            continue
        if path.name.endswith(SKIP_SUFFIXES) or path.resolve() in (out.resolve(), db):
            continue
        if db is not None and path.name.startswith(db.name):  # huimin.db-wal and the like
            continue
        yield path, rel.as_posix()


async def _revision(settings: Settings) -> str | None:
    engine = make_engine(settings.database_url, settings.database_connect_args)
    try:
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda c: inspect(c).get_table_names())
            if "alembic_version" not in names:
                return None
            return await conn.scalar(text("SELECT version_num FROM alembic_version"))
    finally:
        await engine.dispose()


async def database_is_empty(settings: Settings) -> bool:
    """No rows in any of the core tables (a fresh or freshly migrated database)."""
    engine = make_engine(settings.database_url, settings.database_connect_args)
    try:
        async with engine.connect() as conn:
            names = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
            for table in CORE_TABLES:
                if table in names and await conn.scalar(text(f"SELECT 1 FROM {table} LIMIT 1")):
                    return False
            return True
    finally:
        await engine.dispose()


@contextmanager
def _workdir(settings: Settings) -> Iterator[Path]:
    """An owner-only scratch folder for the dump on its way into (or out of) the archive."""
    folder = Path(tempfile.mkdtemp(prefix="huimin-backup-", dir=private_dir(settings.var_dir / "tmp")))
    try:
        os.chmod(folder, 0o700)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _dump(settings: Settings, folder: Path) -> tuple[str, Path]:
    if settings.sqlite:
        target = folder / SQLITE_MEMBER
        open_private(target, "wb").close()  # owner-only from the start
        src = sqlite3.connect(_sqlite_path(settings.database_url))
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)  # a consistent copy while the service keeps running
        finally:
            dst.close()
            src.close()
        return SQLITE_MEMBER, target
    url, env = _libpq(settings)
    target = folder / PG_MEMBER
    done = subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target), url],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    return PG_MEMBER, target


def _pour(src, dst) -> None:
    while chunk := src.read(FILE_CHUNK):
        dst.write(chunk)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, int(datetime.now(UTC).timestamp())
    tar.addfile(info, io.BytesIO(data))


def _add_file(tar: tarfile.TarFile, name: str, path: Path) -> None:
    info = tarfile.TarInfo(name)
    stat = path.stat()
    info.size, info.mode, info.mtime = stat.st_size, 0o600, int(stat.st_mtime)
    with open(path, "rb") as fh:
        tar.addfile(info, fh)


async def create_backup(settings: Settings, out: Path) -> Manifest:
    """Write the encrypted archive to ``out`` (a new owner-only file; refused if it exists)."""
    out = Path(out)
    if out.exists():
        raise BackupError(f"{out} exists already; choose a new file name")
    key, _ = backup_key(settings)
    files = list(_var_files(settings, out))
    manifest = Manifest(
        FORMAT,
        datetime.now(UTC).isoformat(timespec="seconds"),
        "sqlite" if settings.sqlite else "postgresql",
        await _revision(settings),
        len(files),
    )
    with _workdir(settings) as folder:
        member, dump = _dump(settings, folder)
        partial = out.with_name(out.name + ".partial")
        try:
            with (
                encrypted_writer(key, PURPOSE, partial) as sink,
                tarfile.open(fileobj=sink, mode="w|", bufsize=FILE_CHUNK) as tar,
            ):
                _add_bytes(tar, MANIFEST, json.dumps(manifest.__dict__, ensure_ascii=False).encode())
                _add_file(tar, member, dump)
                for path, rel in files:
                    _add_file(tar, "var/" + rel, path)
            partial.rename(out)
        finally:
            partial.unlink(missing_ok=True)
    return manifest


def _open_archive(settings: Settings, archive: Path):
    key, _ = backup_key(settings)
    try:
        return open_encrypted(key, PURPOSE, archive)
    except (ValueError, OSError) as e:
        raise BackupError(f"{archive} is not a Huimin backup archive ({e})") from e


def verify_archive(settings: Settings, archive: Path) -> Manifest:
    """Read the whole archive once, authenticating every record, and return its manifest.
    Refuses (BackupError) an archive changed, cut short, or encrypted with another key."""
    try:
        with _open_archive(settings, archive) as fh, tarfile.open(fileobj=fh, mode="r|") as tar:
            manifest = None
            for member in tar:
                if member.name == MANIFEST:
                    manifest = Manifest(**json.loads(tar.extractfile(member).read()))
                elif member.isfile():
                    reader = tar.extractfile(member)
                    while reader.read(FILE_CHUNK):
                        pass
    except InvalidTag as e:
        raise BackupError(
            f"{archive} was changed or cut short, or is encrypted with another key: refused"
        ) from e
    except tarfile.TarError as e:
        raise BackupError(f"{archive} is not a readable backup ({e}): refused") from e
    if manifest is None or manifest.format != FORMAT:
        raise BackupError(f"{archive} has no manifest this version understands: refused")
    return manifest


def _safe_rel(name: str) -> str:
    rel = name[len("var/") :]
    parts = Path(rel).parts
    if not rel or Path(rel).is_absolute() or ".." in parts:
        raise BackupError(f"the archive names a file outside the var folder ({name}): refused")
    return rel


def _restore_database(settings: Settings, dump: Path) -> None:
    if settings.sqlite:
        target = _sqlite_path(settings.database_url)
        if not target.exists():
            open_private(target, "wb").close()  # owner-only from the start
        src = sqlite3.connect(dump)
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)  # replaces every page of the target, in one step
        finally:
            dst.close()
            src.close()
        return
    url, env = _libpq(settings)
    done = subprocess.run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            url,
            str(dump),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed (nothing was changed): {done.stderr.strip()}")


async def restore_backup(settings: Settings, archive: Path, *, force: bool = False) -> Manifest:
    """Put the archive's database and files back. Refuses a tampered archive (checked in full first),
    one of the other backend, and a database holding data unless ``force``."""
    archive = Path(archive)
    manifest = verify_archive(settings, archive)
    backend = "sqlite" if settings.sqlite else "postgresql"
    if manifest.backend != backend:
        raise BackupError(f"the archive holds a {manifest.backend} database; this service uses {backend}")
    if not force and not await database_is_empty(settings):
        raise BackupError(
            "the database already holds data; restoring would replace it. Use --force to replace it."
        )
    with (
        _workdir(settings) as folder,
        _open_archive(settings, archive) as fh,
        tarfile.open(fileobj=fh, mode="r|") as tar,
    ):
        for member in tar:
            if not member.isfile() or member.name == MANIFEST:
                continue
            if member.name in (SQLITE_MEMBER, PG_MEMBER):
                dump = folder / member.name
                with open_private(dump, "wb") as out:
                    _pour(tar.extractfile(member), out)
                _restore_database(settings, dump)
            elif member.name.startswith("var/"):
                target = settings.var_dir / _safe_rel(member.name)
                private_dir(target.parent)
                with open_private(target, "wb") as out:
                    _pour(tar.extractfile(member), out)
    return manifest


async def audit_event(settings: Settings, action: str, after: dict) -> None:
    """One audit record of a backup or restore, as the system, in its own transaction."""
    from server.audit.service import SYSTEM, record
    from server.db import session_scope

    async with session_scope(settings.database_url, settings.database_connect_args) as session:
        await record(session, SYSTEM, action, "backup", None, after=after)
