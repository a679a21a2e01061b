"""Imports: read a CSV, XLSX or pushed JSON batch, check each row, load the good rows in bulk
(PostgreSQL ``COPY``; batched inserts on SQLite), write the rejected rows to an error file, then
supersede the previous snapshot, list possible matches and check the people touched.

One import is one transaction: a crash halfway leaves nothing loaded (the import is marked
failed and the uploaded file is kept for another try). Progress of a running import is kept in
memory (``PROGRESS``) for the page that polls it.
"""

from __future__ import annotations

import asyncio
import codecs
import csv
import io
import logging
import os
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from sqlalchemy import (
    String,
    and_,
    cast,
    column,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    table,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from server.assistance.models import Application
from server.audit.service import SYSTEM, Actor, record
from server.crypto import (
    FILE_MAGIC,
    FILE_MAGICS,
    STANDARD,
    derive_key,
    encrypted_writer,
    hash_backend,
    keyed_hash,
    open_encrypted,
)
from server.db import utcnow
from server.errors import DomainError, Kind
from server.files import private_dir
from server.people import rules as proposals
from server.people.models import Enrolment, HouseholdMember, Person, StatusProposal
from server.people.queries import ID_PURPOSE
from server.regions import queries as region_queries
from server.settings import Settings
from server.spreadsheets import SafeCsvWriter
from server.verification import checks_service as checks
from server.verification import rules
from server.verification.models import DataImport, PossibleMatch, SourceRecord, VerificationWarning
from server.verification.sources import RECORD_COLUMNS, SOURCES, RowChecker, Source, normalise_name

log = logging.getLogger("huimin.verification")
BATCH = 20_000
MAX_API_ROWS = 50_000
MAX_ROWS = 5_000_000  # rows in one file (a city's largest source is well below; Excel stops at 1,048,576)
MAX_CELL = 1_000  # characters in one cell; no field of the standard comes near
MAX_LINE = 1 << 20  # bytes in one physical line of a CSV file
# an .xlsx is a zip: its directory is read before anything is unpacked (zipfile never unpacks more
# than a member declares, so the declared sizes bound the work)
MAX_XLSX_UNPACKED = 2 << 30  # all members together
MAX_XLSX_RATIO = 100  # unpacked / packed, per member and overall (real workbooks: 5 to 20)
MAX_XLSX_SHARED_STRINGS = 256 << 20  # openpyxl holds the shared strings in memory
MAX_XLSX_MEMBERS = 1_000
PROGRESS: dict[int, dict] = {}

REFUSED_XLSX = "无法读取这个 Excel 文件，请确认它是 .xlsx 格式。"
REFUSED_BOMB = (
    f"这个 Excel 文件解压后过大（超过 {MAX_XLSX_UNPACKED >> 30} GB，或压缩比超过 {MAX_XLSX_RATIO} 倍），"
    "可能是恶意构造的文件，已拒绝。请另存为 CSV 或分成几个文件上传。"
)
REFUSED_ROWS = f"文件超过 {MAX_ROWS:,} 行，请分成几个文件上传。"
REFUSED_LINE = "文件中有一行超过 1 MB，无法按 CSV 读取，请检查文件格式。"
REFUSED_CSV = "文件无法按 CSV 读取（引号不成对或某个单元格过长），请检查文件格式。"
CELL_TOO_LONG = f"单元格内容超过 {MAX_CELL} 个字符"


class ImportRefused(Exception):
    """The file as a whole cannot be read against the standard; ``message`` says why, in Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def folder(settings: Settings) -> Path:
    return private_dir(settings.var_dir / "verification")


def error_file(settings: Settings, import_id: int) -> Path:
    return folder(settings) / f"errors-{import_id}.csv"


# Department files hold plain ID numbers: the uploaded file and the error file are written
# encrypted (server.crypto, chunk by chunk) and read back through a decrypting reader.
RAW_PURPOSE = "verification-file"


def save_upload(settings: Settings, stored_name: str):
    """A binary file object for an upload to be written to, encrypted, owner-only."""
    return encrypted_writer(settings.secret_key, RAW_PURPOSE, folder(settings) / stored_name)


def open_stored(settings: Settings, path: Path) -> BinaryIO:
    """The plaintext of a stored file (a seekable binary reader); a plain file (written before
    files were encrypted, or by a benchmark) is read as it is."""
    with open(path, "rb") as fh:
        encrypted = fh.read(len(FILE_MAGIC)) in FILE_MAGICS
    return open_encrypted(settings.secret_key, RAW_PURPOSE, path) if encrypted else open(path, "rb")


class StoredFileDamaged(Exception):
    """A stored file does not decrypt: changed, cut short, or written under another secret key."""


def read_error_text(settings: Settings, import_id: int) -> str | None:
    """The error file of an import as text, or None when no row was rejected (raises
    ``StoredFileDamaged`` rather than serve a file changed on disk)."""
    path = error_file(settings, import_id)
    if not path.exists():
        return None
    try:
        with open_stored(settings, path) as fh:
            return fh.read().decode("utf-8-sig")
    except (InvalidTag, ValueError):
        log.error("stored file %s does not decrypt: changed on disk or another secret key", path.name)
        raise StoredFileDamaged(path.name) from None


def error_csv(settings: Settings, imp: DataImport) -> str:
    """The rejected rows of an import (the department's own, ID numbers included), as CSV text."""
    try:
        found = read_error_text(settings, imp.id)
    except StoredFileDamaged:
        raise DomainError("verification.file_damaged", Kind.BROKEN) from None
    if found is None:
        raise DomainError("verification.no_errors", Kind.NOT_FOUND)
    return found


def _size(fh: BinaryIO) -> int:
    raw = getattr(fh, "raw", fh)
    return raw.size if hasattr(raw, "size") else os.fstat(fh.fileno()).st_size


# ----------------------------------------------------------------------------- reading files


def _header_map(source: Source, header: list[str]) -> list[str | None]:
    by_label = {f.label: f.name for f in source.all_fields}
    names = []
    for h in header:
        key = (h or "").strip().lstrip("\ufeff")
        names.append(key if key in source.field_by_name else by_label.get(key))
    present = set(filter(None, names))
    missing = [f.label for f in source.all_fields if f.required and f.name not in present]
    if "id_number" not in present:
        missing.insert(0, source.field_by_name["id_number"].label)
    if missing:
        raise ImportRefused(
            "表头缺少标准要求的列：" + "、".join(missing) + "。请按数据交换标准使用字段名或中文列名。"
        )
    return names


def _encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start > len(head) - 4:  # a character cut at the end of the sample
            return "utf-8"
        return "gb18030"


def read_csv(file: Path | BinaryIO, source: Source, progress: dict) -> Iterator[tuple[int, dict, list[str]]]:
    """Rows of a CSV file (a path to a plain file, or a binary file object such as ``open_stored``)."""
    with open(file, "rb") if isinstance(file, Path) else file as fh:
        encoding = _encoding(fh.read(65536))
        fh.seek(0)
        progress["bytes_total"] = _size(fh)

        def lines():
            done = 0
            while raw := fh.readline(MAX_LINE + 1):
                if len(raw) > MAX_LINE:
                    raise ImportRefused(REFUSED_LINE)
                done += len(raw)
                progress["bytes_done"] = done
                yield raw.decode(encoding, errors="replace")

        reader = csv.reader(lines())
        try:
            header = next(reader, None)
            if not header:
                raise ImportRefused("文件是空的。")
            names = _header_map(source, header)
            pairs = [(i, n) for i, n in enumerate(names) if n]
            width = len(names)
            for row_no, values in enumerate(reader, start=2):
                if not values or (len(values) == 1 and not values[0].strip()):
                    continue
                if len(values) < width:
                    values = values + [""] * (width - len(values))
                yield row_no, {n: values[i] for i, n in pairs}, values
        except csv.Error:  # a field past csv's own limit (128 KB), or a quote never closed
            raise ImportRefused(REFUSED_CSV) from None


def check_xlsx(source) -> None:
    """Refuse a workbook whose zip directory promises more than a real one unpacks to (a "zip
    bomb": one cell of 300 MB packs into 300 KB), before openpyxl reads any of it."""
    try:
        with zipfile.ZipFile(source) as book:
            members = book.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise ImportRefused(REFUSED_XLSX) from None
    if len(members) > MAX_XLSX_MEMBERS:
        raise ImportRefused(REFUSED_XLSX)
    unpacked = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members)
    if unpacked > MAX_XLSX_UNPACKED or unpacked > MAX_XLSX_RATIO * max(packed, 1 << 16):
        raise ImportRefused(REFUSED_BOMB)
    for m in members:
        if m.file_size > (1 << 20) and m.file_size > MAX_XLSX_RATIO * m.compress_size:
            raise ImportRefused(REFUSED_BOMB)
        if m.filename.lower().endswith("sharedstrings.xml") and m.file_size > MAX_XLSX_SHARED_STRINGS:
            raise ImportRefused(REFUSED_BOMB)


def read_xlsx(file: Path | BinaryIO, source: Source, progress: dict) -> Iterator[tuple[int, dict, list[str]]]:
    from openpyxl import load_workbook

    check_xlsx(file)
    try:
        book = load_workbook(file, read_only=True, data_only=True)  # streamed row by row
    except Exception as exc:  # a damaged or mislabelled workbook
        raise ImportRefused(REFUSED_XLSX) from exc
    sheet = book.worksheets[0]
    total = sheet.max_row or 0
    progress["bytes_total"] = total
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if not header:
        raise ImportRefused("文件是空的。")
    names = _header_map(source, [str(h or "") for h in header])
    pairs = [(i, n) for i, n in enumerate(names) if n]
    for row_no, values in enumerate(rows, start=2):
        progress["bytes_done"] = row_no
        if values is None or all(v in (None, "") for v in values):
            continue
        values = list(values) + [None] * (len(names) - len(values))
        row = {n: values[i] for i, n in pairs}
        yield row_no, row, ["" if v is None else str(v) for v in values]
    book.close()


def read_json(rows: list, source: Source) -> Iterator[tuple[int, dict, list[str]]]:
    names = [f.name for f in source.all_fields]
    for index, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            row = {}
        yield index, row, [str(row.get(n, "") or "") for n in names]


# ------------------------------------------------------------------------------------ loading


async def new_import(
    session: AsyncSession,
    actor: Actor,
    source: Source,
    *,
    channel: str,
    filename: str | None,
    stored_name: str | None,
    mode: str | None = None,
) -> DataImport:
    version = (
        await session.scalar(select(func.max(DataImport.version)).where(DataImport.source == source.code))
    ) or 0
    imp = DataImport(
        source=source.code,
        version=version + 1,
        mode=mode or source.mode,
        channel=channel,
        filename=filename,
        stored_name=stored_name,
        status=rules.ImportStatus.LOADING.value,
        uploaded_by=actor.name or "?",
        region_code=actor.region_code or "",
    )
    session.add(imp)
    await session.flush()
    return imp


@dataclass
class _Writer:
    path: Path
    header: list[str]
    secret: str
    fh: io.TextIOWrapper | None = None
    writer: object = None

    def write(self, row_no: int, problems: list[str], values: list[str]) -> None:
        if self.fh is None:
            raw = encrypted_writer(self.secret, RAW_PURPOSE, self.path)
            self.fh = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            self.writer = SafeCsvWriter(self.fh)
            self.writer.writerow(["行号", "问题", *self.header])
        self.writer.writerow([row_no, "；".join(problems), *values])

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()


async def _copy(session: AsyncSession, batch: list[tuple]) -> None:
    conn = await session.connection()
    if conn.dialect.name == "postgresql":
        raw = await conn.get_raw_connection()
        await raw.driver_connection.copy_records_to_table(
            SourceRecord.__tablename__, records=batch, columns=list(RECORD_COLUMNS)
        )
    else:
        marks = ", ".join("?" * len(RECORD_COLUMNS))
        sql = f"INSERT INTO {SourceRecord.__tablename__} ({', '.join(RECORD_COLUMNS)}) VALUES ({marks})"
        await conn.exec_driver_sql(sql, [tuple(_sqlite_value(v) for v in r) for r in batch])


def _sqlite_value(v):
    return v.isoformat() if isinstance(v, date) else v


async def load_rows(
    session: AsyncSession,
    settings: Settings,
    imp: DataImport,
    rows: Iterable[tuple[int, dict, list[str]]],
    today: date,
    header: list[str] | None = None,
    progress: dict | None = None,
) -> None:
    """Check and load every row; the counts land on ``imp``; rejected rows go to the error file."""
    source = SOURCES[imp.source]
    started = time.perf_counter()
    # look-up hashes as persons.id_hash has them (HMAC-SHA256, or HMAC-SM3 on HUIMIN_CRYPTO=sm)
    standard = hash_backend(settings.secret_key) is STANDARD
    other = None if standard else partial(keyed_hash, settings.secret_key, ID_PURPOSE)
    checker = RowChecker(source, derive_key(settings.secret_key, ID_PURPOSE), imp.id, today, other)
    progress = progress if progress is not None else {}
    writer = _Writer(
        error_file(settings, imp.id), header or [f.name for f in source.all_fields], settings.secret_key
    )
    batch: list[tuple] = []
    total = accepted = legacy = without_id = 0
    loading: asyncio.Task | None = None  # the batch PostgreSQL is loading while this process checks the next
    try:
        for row_no, row, values in rows:
            total += 1
            if total > MAX_ROWS:
                raise ImportRefused(REFUSED_ROWS)
            if any(len(v) > MAX_CELL for v in values):  # kept out of the database, cut in the error file
                writer.write(row_no, [CELL_TOO_LONG], [v[:MAX_CELL] for v in values])
                continue
            checked = checker.check(row_no, row)
            legacy += checked.legacy_id
            if checked.record is None:
                writer.write(row_no, checked.errors, values)
                continue
            accepted += 1
            without_id += checked.record[3] is None
            batch.append(checked.record)
            if len(batch) >= BATCH:
                if loading is not None:
                    await loading
                loading = asyncio.create_task(_copy(session, batch))
                batch = []
                progress["rows"] = total
            elif loading is not None and total % 2000 == 0:
                await asyncio.sleep(0)  # let the load in flight send its data
        if loading is not None:
            await loading
            loading = None
        if batch:
            await _copy(session, batch)
    except BaseException:
        writer.close()
        writer.path.unlink(missing_ok=True)  # a refused or failed import leaves no half-written error file
        raise
    finally:
        writer.close()
        if loading is not None:
            loading.cancel()
    imp.rows_total, imp.rows_accepted, imp.rows_rejected = total, accepted, total - accepted
    imp.legacy_ids, imp.without_id = legacy, without_id
    imp.seconds = round(time.perf_counter() - started, 3)
    progress["rows"] = total


def file_header(fh: BinaryIO, channel: str) -> list[str]:
    """The first row as written, for the error file's header."""
    if channel == "xlsx":
        from openpyxl import load_workbook

        try:
            check_xlsx(fh)
            book = load_workbook(fh, read_only=True)
            header = next(book.worksheets[0].iter_rows(max_row=1, values_only=True), ())
            book.close()
            return [str(h or "") for h in header]
        except Exception:  # a damaged workbook: read_xlsx says so in plain words
            return []
    fh.seek(0)
    head = fh.read(65536)
    line = head.decode(_encoding(head), errors="replace").splitlines()[:1]
    return next(csv.reader(line), []) if line else []


async def load_file(
    session: AsyncSession,
    settings: Settings,
    imp: DataImport,
    path: Path,
    today: date,
    progress: dict | None = None,
) -> None:
    """Check and load an uploaded file (CSV or XLSX)."""
    progress = progress if progress is not None else {}
    source = SOURCES[imp.source]
    read = read_xlsx if imp.channel == "xlsx" else read_csv
    with open_stored(settings, path) as fh:
        header = file_header(fh, imp.channel)
        fh.seek(0)
        await load_rows(session, settings, imp, read(fh, source, progress), today, header, progress)


async def finish_import(session: AsyncSession, actor: Actor, imp: DataImport, today: date) -> checks.CheckRun:
    """Make the import the live version, list possible matches, and check the people it touched."""
    if imp.mode == "replace":
        await session.execute(
            update(DataImport)
            .where(
                DataImport.source == imp.source,
                DataImport.status.in_(rules.IMPORTS.sources(rules.ImportAction.SUPERSEDE)),
                DataImport.id != imp.id,
            )
            .values(status=rules.IMPORTS.target(rules.ImportAction.SUPERSEDE), superseded_by=imp.id)
        )
    imp.status, imp.finished_at = rules.IMPORTS.move(imp.status, rules.ImportAction.ACTIVATE), utcnow()
    await session.flush()
    if session.bind.dialect.name == "postgresql":
        # the BRIN index knows nothing of pages written since it was last summarised, and would
        # send every lookup of this import's rows through the whole table
        await session.execute(text("SELECT brin_summarize_new_values('ix_verification_records_import')"))
        if imp.rows_accepted > 10_000:
            # fresh statistics, or the planner takes a big table for an empty one (it counts
            # this transaction's own new rows)
            await session.execute(text("ANALYZE verification_records"))
    if imp.without_id:
        await find_possible_matches(session, imp.id)
    touched = await touched_people(session, imp.id)
    city = await region_queries.city_code(session)
    run = await checks.run_checks(
        session, checks.Scope(prefix=city[:4], city_code=city, today=today, touched=touched)
    )
    imp.warnings_raised = run.total
    await propose_deaths(session)
    # keep less: rows of people outside the register have been checked against it and are not kept
    imp.strangers_dropped = await drop_strangers(session, imp.id)
    await record(
        session,
        actor,
        "verification.import",
        "verification_import",
        imp.id,
        region_code=imp.region_code or None,
        after={
            "source": imp.source,
            "version": imp.version,
            "mode": imp.mode,
            "channel": imp.channel,
            "accepted": imp.rows_accepted,
            "rejected": imp.rows_rejected,
            "warnings": run.total,
            "strangers_dropped": imp.strangers_dropped,
        },
    )
    return run


def stranger_rows_where(import_id: int | None = None):
    """Department rows of people who are neither on the register (applicants' households) nor
    applicants: an ID that no person or application has, or no ID and no possible match. Rows of an
    import still loading are left to that import (it drops its own strangers when it finishes)."""
    known_person = exists().where(Person.id_hash == SourceRecord.id_hash)
    applicant = exists().where(Application.id_hash == SourceRecord.id_hash)
    matched = exists().where(PossibleMatch.record_id == SourceRecord.id)
    stranger = or_(
        and_(SourceRecord.id_hash.is_not(None), ~known_person, ~applicant),
        and_(SourceRecord.id_hash.is_(None), ~matched),
    )
    if import_id is not None:
        return and_(SourceRecord.import_id == import_id, stranger)
    finished = select(DataImport.id).where(DataImport.status != "loading")
    return and_(SourceRecord.import_id.in_(finished), stranger)


async def drop_strangers(session: AsyncSession, import_id: int | None = None) -> int:
    """Delete the department rows of people outside the register (set-based); returns how many."""
    result = await session.execute(
        delete(SourceRecord)
        .where(stranger_rows_where(import_id))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


TOUCHED = table("verification_touched", column("id_hash"))


async def touched_people(session: AsyncSession, import_id: int):
    """The ID hashes an import brings that belong to people on the register (no rule can hit
    anyone else), in a temporary table the planner has statistics for: a subquery over millions
    of new rows, or a count of touched IDs that are mostly strangers, misleads it into scanning
    every record instead of looking up the few people concerned."""
    pg = session.bind.dialect.name == "postgresql"
    await session.execute(
        text(
            "CREATE TEMP TABLE IF NOT EXISTS verification_touched (id_hash VARCHAR(64) PRIMARY KEY)"
            + (" ON COMMIT DELETE ROWS" if pg else "")
        )
    )
    await session.execute(text("DELETE FROM verification_touched"))
    await session.execute(
        text(
            "INSERT INTO verification_touched (id_hash) "
            "SELECT DISTINCT r.id_hash FROM verification_records r "
            "JOIN persons p ON p.id_hash = r.id_hash WHERE r.import_id = :i"
        ),
        {"i": import_id},
    )
    if pg:
        await session.execute(text("ANALYZE verification_touched"))
    return select(TOUCHED.c.id_hash)


async def find_possible_matches(session: AsyncSession, import_id: int) -> int:
    """Records without an ID whose normalised name and birth date equal an enrolled person's."""
    en = checks.enrolled(None)
    no_id = select(SourceRecord.id, SourceRecord.name_norm, SourceRecord.birth_date).where(
        SourceRecord.import_id == import_id, SourceRecord.id_hash.is_(None)
    )
    births = select(SourceRecord.birth_date).where(
        SourceRecord.import_id == import_id, SourceRecord.id_hash.is_(None)
    )
    candidates = await session.execute(
        select(en.c.person_id, Person.name, en.c.birth_date, en.c.region_code)
        .join(Person, Person.id == en.c.person_id)
        .where(en.c.birth_date.in_(births))
        .distinct()
    )
    index: dict[tuple, list[tuple[int, str]]] = {}
    for person_id, name, birth, region in candidates:
        index.setdefault((normalise_name(name), birth), []).append((person_id, region))
    if not index:
        return 0
    found = []
    for record_id, name_norm, birth in await session.execute(no_id):
        for person_id, region in index.get((name_norm, birth), ()):
            found.append({"record_id": record_id, "person_id": person_id, "region_code": region})
    if found:
        await session.execute(insert(PossibleMatch), found)
    return len(found)


async def rollback_import(session: AsyncSession, actor: Actor, imp: DataImport, reason: str) -> int:
    """Take a version back: its rows are deleted, the snapshot it replaced is live again, and the
    open warnings it raised are withdrawn. Returns the number of warnings withdrawn."""
    if not reason.strip():
        raise DomainError("verification.reason", Kind.INVALID, field="reason")
    before = imp.status
    after = rules.IMPORTS.move(imp.status, rules.ImportAction.ROLL_BACK)  # a conflict unless live
    if imp.status == rules.ImportStatus.ACTIVE:
        await session.execute(
            update(DataImport)
            .where(
                DataImport.superseded_by == imp.id,
                DataImport.status.in_(rules.IMPORTS.sources(rules.ImportAction.RESTORE)),
            )
            .values(status=rules.IMPORTS.target(rules.ImportAction.RESTORE), superseded_by=None)
        )
    withdraw = rules.WarningDecision.WITHDRAW
    withdrawn = await session.execute(
        update(VerificationWarning)
        .where(
            VerificationWarning.import_id == imp.id,
            VerificationWarning.status.in_(rules.WARNINGS.sources(withdraw)),
        )
        .values(
            status=rules.WARNINGS.target(withdraw),
            reason="数据版本已回滚：" + reason,
            handled_by=actor.name,
            handled_at=utcnow(),
        )
    )
    await session.execute(
        delete(PossibleMatch).where(
            PossibleMatch.record_id.in_(select(SourceRecord.id).where(SourceRecord.import_id == imp.id))
        )
    )
    await session.execute(delete(SourceRecord).where(SourceRecord.import_id == imp.id))
    imp.status, imp.rolled_back_at, imp.rolled_back_by = after, utcnow(), actor.name
    await session.flush()
    await record(
        session,
        actor,
        "verification.rollback",
        "verification_import",
        imp.id,
        before={"status": before},
        after={"status": after, "warnings_withdrawn": withdrawn.rowcount},
        opinion=reason,
    )
    return withdrawn.rowcount or 0


def first_errors(settings: Settings, import_id: int, limit: int) -> list[dict]:
    """The first rejected rows of an import and their problems (the API's answer)."""
    text_ = read_error_text(settings, import_id)
    if text_ is None:
        return []
    with io.StringIO(text_) as fh:
        reader = csv.reader(fh)
        next(reader, None)
        return [
            {"row": int(line[0]), "problems": line[1].split("；")}
            for line, _ in zip(reader, range(limit), strict=False)
        ]


def live_filter():
    return and_(SourceRecord.import_id == DataImport.id, DataImport.status == rules.ImportStatus.ACTIVE)


async def propose_deaths(session: AsyncSession) -> int:
    """A department's death record (an open ``deceased`` warning on a member of an enrolled
    household) becomes a death proposal by the system, once per member (set-based): a district
    approver still decides, and until then nothing about the benefit changes."""
    w, m, e = VerificationWarning, HouseholdMember, Enrolment
    death = proposals.Action.DEATH
    already = exists().where(
        StatusProposal.enrolment_id == w.enrolment_id,
        StatusProposal.action == death,
        StatusProposal.member_id == m.id,
        StatusProposal.status.in_((proposals.Status.PROPOSED, proposals.Status.APPROVED)),
    )
    stamp = StatusProposal.__table__.c.proposed_at.type
    rows = (
        select(
            e.id,
            e.household_id,
            e.region_code,
            literal(death.value),
            m.id,
            literal("部门报送的死亡信息") + func.coalesce(literal("：") + func.min(w.detail), ""),
            literal(proposals.Origin.DEATH_RECORD.value),
            literal("verification.warning:") + cast(func.min(w.id), String),
            literal(proposals.Status.PROPOSED.value),
            literal("系统"),
            literal(utcnow(), stamp),
        )
        .select_from(w)
        .join(e, e.id == w.enrolment_id)
        .join(m, and_(m.household_id == e.household_id, m.person_id == w.person_id))
        .join(Person, Person.id == w.person_id)
        .where(
            w.rule == "deceased",
            w.status == rules.WarningStatus.OPEN,
            e.status.in_(sorted(proposals.ACTS_ON[death])),
            Person.deceased_on.is_(None),
            ~already,
        )
        .group_by(e.id, e.household_id, e.region_code, m.id)
    )
    columns = ["enrolment_id", "household_id", "region_code", "action", "member_id", "reason", "origin"]
    columns += ["source", "status", "proposed_by", "proposed_at"]
    result = await session.execute(insert(StatusProposal).from_select(columns, rows))
    count = result.rowcount or 0
    if count:
        await record(
            session, SYSTEM, "proposal.create_from_death_records", "status_proposal", after={"count": count}
        )
    return count
