"""The one shape of a domain, checked by reading the source (AST only: fast, no database, no app).

Read LAYERS_TABLE first: every module of ``server/`` belongs to one layer (by its file name, or by
PURE_MODULES, SHARED_MODULES and UNLISTED_MODULES for modules named for what they are), and a layer
may import only the layers its row lists. Third-party packages count as layers too ("framework",
"database", ...); the standard library is always allowed.

Every allowlist below is today's violations, written down so the test passes while the domains are
being brought to the shape. An allowlist may only shrink: the test fails when a new violation
appears, and also when an entry is no longer needed (then delete the entry).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest


def _root() -> Path:
    here = Path(__file__).resolve().parent
    while not (here / "pyproject.toml").exists():
        here = here.parent
    return here


ROOT = _root()
SERVER = ROOT / "server"

# ---------------------------------------------------------------------------------------------------
# The layering table: each row is a layer and the layers its modules may import. The standard library
# is always allowed. Layers of the project's modules:
#   pure      rules.py, i18n.py and the PURE_MODULES (calc.py, errors.py, money.py...): plain functions
#             and data; testable without a database or a server
#   db        server/db.py: the engine, sessions and the declarative base
#   models    models.py: tables
#   queries   queries.py: reads shared by pages, region-scoped (with the keys a look-up hashes with)
#   infra     files, settings, keys, senders: the platform's own plumbing, no pages
#   service   service.py, <area>_service.py: every write, audited, raising DomainError
#   forms     forms.py: typed request structs and the Field definitions the templates render
#   routes    routes.py, <audience>_routes.py: thin controllers (one domain's may share a page)
#   plugin    plugin.py: a domain's registration (controllers, navigation, messages)
#   web       server/web.py, app.py, guards and middleware: the glue every request goes through
#   demo      demo.py: the demo city, written through the services
#   entry     server/cli.py: the command line may use everything
# Third-party packages (LIBRARIES below): framework (litestar, jinja2...), database (sqlalchemy...),
# upload (litestar's UploadFile, for upload structs), purelib (numpy, PIL...: computation on values
# in memory) and lib (any other: reportlab, argon2, segno...).
# ---------------------------------------------------------------------------------------------------
LAYERS_TABLE = """
pure      pure purelib
db        pure database
models    pure db models database
queries   pure purelib infra db models queries database
infra     pure purelib lib db models infra database
service   pure purelib lib db models queries infra service database
forms     pure purelib forms upload
routes    pure purelib lib db models queries infra service forms web database framework upload
plugin    pure routes web framework
web       pure purelib lib db models queries infra service forms routes plugin web database framework upload
demo      pure purelib lib db models queries infra service demo database
entry     *
"""
LAYERS: dict[str, set[str]] = {
    row.split()[0]: set(row.split()[1:]) for row in LAYERS_TABLE.strip().splitlines()
}

# Third-party packages, by the layer they count as (longest prefix wins); any other is a "lib".
LIBRARIES: dict[str, str] = {
    "litestar": "framework",
    "litestar_htmx": "framework",
    "jinja2": "framework",
    "httpx": "framework",
    "uvicorn": "framework",
    "click": "framework",
    "litestar.datastructures": "upload",  # UploadFile, named by multipart request structs
    "sqlalchemy": "database",
    "advanced_alchemy": "database",
    "alembic": "database",
    "asyncpg": "database",
    "aiosqlite": "database",
    "redis": "database",
    # Pure libraries: computation on values in memory, no I/O of their own, no framework, no global
    # state a test would have to set up. numpy/PIL/face_recognition let vision.py (faces in frames)
    # and seal.py (a drawn seal) be tested as plain functions; cryptography lets token.py sign and
    # verify bytes; openpyxl builds a workbook in memory for spreadsheets.py.
    "numpy": "purelib",
    "PIL": "purelib",
    "face_recognition": "purelib",
    "cryptography": "purelib",
    "gmalg": "purelib",  # SM2 signatures (server/crypto.py, the national-algorithm backend)
    "openpyxl": "purelib",
}

# Layers by file name (the documented kinds of module in a domain).
KINDS_BY_NAME: dict[str, str] = {
    "__init__.py": "pure",
    "plugin.py": "plugin",
    "models.py": "models",
    "rules.py": "pure",
    "i18n.py": "pure",
    "service.py": "service",
    "queries.py": "queries",
    "forms.py": "forms",
    "routes.py": "routes",
    "demo.py": "demo",
}
KINDS_BY_SUFFIX: dict[str, str] = {"_service.py": "service", "_routes.py": "routes"}

# Modules named for what they are, with their layer. The pure ones are part of the shape (a domain
# may have any number of pure modules, listed here); the shared modules outside the domains too.
PURE_MODULES: set[str] = {
    "server/errors.py",
    "server/money.py",
    "server/phones.py",
    "server/forms.py",
    "server/i18n.py",  # the message tables and the lookup
    "server/clock.py",  # the city's date and time (reads HUIMIN_TIMEZONE once)
    "server/images.py",  # uploaded photos checked and re-encoded, bytes in, bytes out (PIL)
    "server/spreadsheets.py",  # safe spreadsheet cells, CSV/XLSX built in memory (openpyxl)
    "server/accounts/permissions.py",
    "server/people/idcard.py",
    "server/accounts/otp.py",
    "server/assistance/answers.py",
    "server/assistance/calc.py",
    "server/audit/chain.py",
    "server/calendar/days.py",
    "server/certificates/seal.py",
    "server/certificates/token.py",
    "server/discovery/maps.py",
    "server/privacy/notice.py",  # the privacy notice and the services' short notices, as data
    "server/funeral/drawing.py",
    "server/regions/codes.py",
    "server/survival/vision.py",
    "server/verification/sources.py",
    "server/verification/standard.py",
}
SHARED_MODULES: dict[str, str] = {
    "server/db.py": "db",
    "server/models.py": "models",  # every table, for Alembic and create_all
    "server/settings.py": "infra",
    "server/files.py": "infra",
    "server/crypto.py": "infra",
    "server/keys.py": "infra",  # the sealed columns and their re-sealing (huimin keys rotate)
    "server/ratelimit.py": "infra",
    "server/web.py": "web",
    "server/app.py": "web",
    "server/asgi.py": "web",
    "server/domains.py": "web",
    "server/cli.py": "entry",
    "server/demo.py": "demo",
}

# Packages under server/ that serve no page and so have no plugin: shared by the domains.
PACKAGES_WITHOUT_PLUGIN: dict[str, str] = {
    "people": "the register of persons and enrolments, used by every benefit",
    "regions": "region codes, names and RegionScope, used by every office page",
}

# ---------------------------------------------------------------------------------------------------
# Allowlists of today's violations (issue #17). Empty them as the domains reach the shape.
# ---------------------------------------------------------------------------------------------------

# Domain modules that are none of the documented kinds, with the layer they count as meanwhile.
# Each has a reason to stay outside the kinds: middleware, library glue, or the model state machine.
UNLISTED_MODULES: dict[str, tuple[str, str]] = {
    "server/accounts/auth.py": ("web", "kept: guards and the session middleware"),
    "server/accounts/csrf.py": ("web", "kept: the CSRF middleware"),
    "server/accounts/sms.py": ("infra", "kept: SMS senders (outbox or a configured class)"),
    "server/accounts/passwords.py": ("infra", "kept: argon2 and TOTP (library code, no database)"),
    "server/audit/anchors.py": ("infra", "kept: anchor sinks and signing keys"),
    "server/certificates/keys.py": ("service", "kept: the city CA and signing keys in the database"),
    "server/certificates/pdf.py": ("infra", "kept: PDF rendering and signing (reportlab, pyhanko)"),
    "server/people/enrolments.py": ("service", "kept: the model state machine; or split rules/service"),
    "server/regions/scope.py": ("queries", "kept: RegionScope, the one place of region access"),
    "server/survival/capture.py": (
        "web",
        "kept: the capture page's challenge JSON and frames reader (survival's and accounts' routes)",
    ),
    "server/verification/synth.py": ("demo", "kept: synthetic department files for the demo and tests"),
}

# Imports that break the layering table today: module -> {imported module or library: what to do}.
LAYER_ALLOWLIST: dict[str, dict[str, str]] = {
    "server/models.py": {
        "server/ratelimit.py": "kept: RateCounter's table lives with the rate limiter",
    },
    "server/regions/scope.py": {
        "litestar": "NotFound/PermissionDenied exceptions: raise DomainError (Kind.NOT_FOUND, FORBIDDEN)",
    },
    "server/verification/i18n.py": {
        "server/verification/imports_service.py": (
            "REFUSED_* codes and limits: move them to verification/rules.py"
        ),
    },
}

# Calls to select( / record( in routes files today: file -> count. Reads go to queries.py, writes
# (with their audit record) to the service.
ROUTES_SQL_ALLOWLIST: dict[str, int] = {}

# Package-level imports that close a cycle between domain packages today: (from, to) -> why.
# accounts sits low (every domain uses its permissions, guards and idcard), so the imports from
# accounts up to the domains, and from audit (lower still: everything records) to accounts, are the
# ones to remove.
CYCLE_ALLOWLIST: dict[tuple[str, str], str] = {
    ("accounts", "notifications"): "accounts/identity.py notifies; notifications/routes.py uses auth",
    ("accounts", "survival"): "identity.py and citizen_routes.py use survival; survival uses accounts",
}


# ---------------------------------------------------------------------------------------------------
# Reading the source
# ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Import:
    target: str  # a server module ("server.audit.service") or a third-party/stdlib module name
    line: int


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    """Every module of server/, by dotted name."""
    return {_module_name(p): p for p in sorted(SERVER.rglob("*.py"))}


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@cache
def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _package_of(name: str, is_package: bool) -> str:
    return name if is_package else name.rpartition(".")[0]


@cache
def imports(path: Path) -> tuple[Import, ...]:
    """Every import of a module, at the top or inside a function. ``from a import b`` names
    ``a.b`` when that is a module of the project, else ``a``."""
    known = modules()
    name = _module_name(path)
    package = _package_of(name, path.name == "__init__.py")
    found = []
    for node in ast.walk(tree(path)):
        if isinstance(node, ast.Import):
            found += [Import(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.append(Import(sub if sub in known else base, node.lineno))
    return tuple(found)


def is_project(target: str) -> bool:
    return target == "server" or target.startswith("server.")


def is_stdlib(target: str) -> bool:
    return target.split(".")[0] in sys.stdlib_module_names


def library_layer(target: str) -> str:
    parts = target.split(".")
    for n in range(len(parts), 0, -1):
        layer = LIBRARIES.get(".".join(parts[:n]))
        if layer:
            return layer
    return "lib"


def project_module(target: str) -> Path:
    known = modules()
    while target not in known:  # "server.x.Thing" imported by attribute: the module that holds it
        target = target.rpartition(".")[0]
    return known[target]


def domain_of(path: Path) -> str | None:
    parts = path.relative_to(SERVER).parts
    return parts[0] if len(parts) > 1 else None


def documented_layer(path: Path) -> str | None:
    """The layer a module's name gives it, or None when the name is not a documented kind."""
    key = rel(path)
    if key in PURE_MODULES:
        return "pure"
    if key in SHARED_MODULES:
        return SHARED_MODULES[key]
    if path.name in KINDS_BY_NAME:
        return KINDS_BY_NAME[path.name]
    for suffix, layer in KINDS_BY_SUFFIX.items():
        if path.name.endswith(suffix):
            return layer
    return None


def layer_of(path: Path) -> str | None:
    """The module's layer; None for a module of no known kind (test_every_domain_module_is_a_documented_kind
    names it, the layer checks skip it)."""
    layer = documented_layer(path)
    if layer is None and rel(path) in UNLISTED_MODULES:
        layer = UNLISTED_MODULES[rel(path)][0]
    return layer


def target_layer(target: str) -> str | None:
    """The layer an import lands in (None: the standard library, always allowed, or a module of no
    known kind, reported by its own test)."""
    if is_project(target):
        return layer_of(project_module(target))
    if is_stdlib(target) or target == "__future__":
        return None
    return library_layer(target)


def target_key(target: str) -> str:
    """How an allowlist names an import: a project file, or a third-party package."""
    return rel(project_module(target)) if is_project(target) else target.split(".")[0]


def layer_violations(layers: set[str]) -> dict[str, dict[str, int]]:
    """Imports of modules in ``layers`` that their row of LAYERS does not allow: file -> {import: line}."""
    found: dict[str, dict[str, int]] = defaultdict(dict)
    for path in modules().values():
        layer = layer_of(path)
        if layer not in layers or "*" in LAYERS[layer]:  # (None: no known kind, reported elsewhere)
            continue
        for imp in imports(path):
            lands = target_layer(imp.target)
            if lands is not None and lands not in LAYERS[layer] and not same_domain_pages(path, imp.target):
                found[rel(path)].setdefault(target_key(imp.target), imp.line)
    return found


def same_domain_pages(path: Path, target: str) -> bool:
    """One domain's routes files may share a page builder (a public page a citizen's refused form
    comes back to); another domain's routes never."""
    key = target_key(target)
    return (
        layer_of(path) == "routes"
        and key.startswith("server/")
        and layer_of(ROOT / key) == "routes"
        and (ROOT / key).parent == path.parent
    )


def check_layers(layers: set[str], advice: str) -> None:
    found = layer_violations(layers)
    new = [
        f"  {path}:{line} imports {target} ({target_layer_name(target)}); {layer_of(ROOT / path)} may import "
        f"only: {' '.join(sorted(LAYERS[layer_of(ROOT / path)]))} (LAYERS_TABLE)"
        for path, targets in sorted(found.items())
        for target, line in sorted(targets.items())
        if target not in LAYER_ALLOWLIST.get(path, {})
    ]
    assert not new, "Imports that break the layering table:\n" + "\n".join(new) + "\n" + advice


def target_layer_name(key: str) -> str:
    if key.startswith("server/"):
        return f"{layer_of(ROOT / key)} layer"
    return library_layer(key)


# ---------------------------------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------------------------------
def test_pure_modules_import_no_web_database_or_framework():
    check_layers(
        {"pure"},
        "A pure module (rules.py, i18n.py, calc.py, a module in PURE_MODULES) takes values and returns "
        "values: move the code that needs the database or the web into the domain's service.py, "
        "queries.py or routes, and pass the pure module what it needs as arguments.",
    )


def test_services_import_no_web():
    check_layers(
        {"service"},
        "A service raises DomainError (server/errors.py) and never knows about HTTP: drop the "
        "litestar/server.web import, and let server/web.py map the error's kind to a status.",
    )


def test_every_other_layer_keeps_to_the_table():
    check_layers(
        set(LAYERS) - {"pure", "service"},
        "Move the code to a layer that may import what it needs (see LAYERS at the top of "
        "tests/platform/test_architecture.py), e.g. a route that needs another domain's page logic "
        "calls that domain's service or queries instead of its routes.",
    )


def test_layer_allowlist_has_no_stale_entries():
    found = layer_violations(set(LAYERS))
    stale = [
        f"  {path}: {target}"
        for path, targets in sorted(LAYER_ALLOWLIST.items())
        for target in sorted(targets)
        if target not in found.get(path, {})
    ]
    assert not stale, (
        "These imports no longer break the layering: delete them from LAYER_ALLOWLIST in "
        "tests/platform/test_architecture.py:\n" + "\n".join(stale)
    )


def _is_sql_or_audit_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Name):
        return func.id in {"select", "record"}
    return isinstance(func, ast.Attribute) and func.attr in {"record", "select"}


def routes_sql_counts() -> dict[str, int]:
    counts = {}
    for path in modules().values():
        if layer_of(path) == "routes":
            n = sum(_is_sql_or_audit_call(node) for node in ast.walk(tree(path)))
            if n:
                counts[rel(path)] = n
    return counts


def test_routes_run_no_sql_and_write_no_audit_record():
    counts = routes_sql_counts()
    grown = [
        f"  {path}: {n} select(/record( calls (allowed: {ROUTES_SQL_ALLOWLIST.get(path, 0)})"
        for path, n in sorted(counts.items())
        if n > ROUTES_SQL_ALLOWLIST.get(path, 0)
    ]
    assert not grown, (
        "Routes files run SQL or write audit records themselves:\n"
        + "\n".join(grown)
        + "\nA controller takes the typed form and calls the domain's queries.py (reads) or service.py "
        "(writes, each with its audit record); move the select(...)/record(...) there."
    )


def test_routes_allowlist_shrinks():
    counts = routes_sql_counts()
    smaller = [
        f'  "{path}": {counts.get(path, 0)},  (was {n})'
        + ("  -> delete the entry" if not counts.get(path) else "")
        for path, n in sorted(ROUTES_SQL_ALLOWLIST.items())
        if counts.get(path, 0) < n
    ]
    assert not smaller, (
        "Fewer select(/record( calls in routes than ROUTES_SQL_ALLOWLIST allows: well done, lower the "
        "counts in tests/platform/test_architecture.py so they cannot grow back:\n" + "\n".join(smaller)
    )


def domain_packages() -> list[str]:
    return sorted(p.name for p in SERVER.iterdir() if p.is_dir() and any(p.glob("*.py")))


def package_edges() -> dict[tuple[str, str], list[str]]:
    """(from package, to package) -> where, for every import between two domain packages."""
    packages = set(domain_packages())
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in modules().values():
        source = domain_of(path)
        if source is None:
            continue
        for imp in imports(path):
            parts = imp.target.split(".")
            if is_project(imp.target) and len(parts) > 1 and parts[1] in packages and parts[1] != source:
                where = f"{rel(path)}:{imp.line} imports {imp.target}"
                if where not in edges[(source, parts[1])]:
                    edges[(source, parts[1])].append(where)
    return edges


def _reachable(edges: set[tuple[str, str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        node = todo.pop()
        for a, b in edges:
            if a == node and b not in seen:
                seen.add(b)
                todo.append(b)
    return seen


def _cycles(edges: set[tuple[str, str]]) -> list[list[str]]:
    """One shortest cycle through each edge that lies on a cycle (deduplicated)."""
    found = set()
    for a, b in sorted(edges):
        # shortest path b -> a
        previous, frontier = {b: None}, [b]
        while frontier and a not in previous:
            nxt = []
            for node in frontier:
                for x, y in sorted(edges):
                    if x == node and y not in previous:
                        previous[y] = node
                        nxt.append(y)
            frontier = nxt
        if a in previous:
            path, node = [], a
            while node is not None:
                path.append(node)
                node = previous[node]
            cycle = [a, *reversed(path)]
            start = cycle.index(min(cycle[:-1]))
            found.add(tuple(cycle[start:-1] + cycle[:start] + [cycle[start]]))
    return [list(c) for c in sorted(found)]


def test_domain_packages_form_no_import_cycle():
    edges = package_edges()
    kept = {e for e in edges if e not in CYCLE_ALLOWLIST}
    cycles = _cycles(kept)
    detail = [" -> ".join(c) for c in cycles]
    on_cycles = sorted({(c[i], c[i + 1]) for c in cycles for i in range(len(c) - 1)})
    where = [f"    {w}" for edge in on_cycles for w in edges[edge][:2]]
    assert not cycles, (
        "Domain packages import each other in a cycle:\n  "
        + "\n  ".join(detail)
        + "\nwhere:\n"
        + "\n".join(where)
        + "\nDecide which package is lower: move what the lower one needs from the higher one into the "
        "lower one (or a pure module both may use), or invert the call (the higher package passes a "
        "function or value in)."
    )


def test_cycle_allowlist_has_no_stale_entries():
    edges = package_edges()
    stale = [
        f"  {a} -> {b}" + (" (no such import any more)" if (a, b) not in edges else " (no longer on a cycle)")
        for a, b in sorted(CYCLE_ALLOWLIST)
        if (a, b) not in edges or a not in _reachable(set(edges), b)
    ]
    assert not stale, (
        "Delete these entries from CYCLE_ALLOWLIST in tests/platform/test_architecture.py:\n"
        + "\n".join(stale)
    )


def listed_plugins() -> dict[str, str]:
    """server/domains.py: package -> the name its plugin is imported as, for plugins in DOMAINS."""
    source = tree(SERVER / "domains.py")
    imported = {
        alias.asname or alias.name: node.module.split(".")[1]
        for node in source.body
        if isinstance(node, ast.ImportFrom) and node.module and node.module.endswith(".plugin")
        for alias in node.names
        if alias.name == "plugin"
    }
    listed: set[str] = set()
    for node in source.body:
        target = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        if isinstance(target, ast.Name) and target.id == "DOMAINS" and node.value is not None:
            listed = {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)}
    return {package: name for name, package in imported.items() if name in listed}


@pytest.mark.parametrize("package", domain_packages())
def test_every_domain_package_has_init_and_a_listed_plugin(package):
    folder = SERVER / package
    assert (folder / "__init__.py").exists(), f"server/{package}/ has no __init__.py: add an empty one"
    if package in PACKAGES_WITHOUT_PLUGIN:
        assert not (folder / "plugin.py").exists(), (
            f"server/{package}/ now has a plugin.py: remove it from PACKAGES_WITHOUT_PLUGIN in "
            "tests/platform/test_architecture.py"
        )
        return
    assert (folder / "plugin.py").exists(), (
        f"server/{package}/ has no plugin.py: declare its controllers, navigation and messages in a "
        "DomainPlugin there (see server/funeral/plugin.py), or, if it serves no page, add it to "
        "PACKAGES_WITHOUT_PLUGIN in tests/platform/test_architecture.py"
    )
    assert package in listed_plugins(), (
        f"server/{package}/plugin.py is not installed: import it in server/domains.py and add it to DOMAINS"
    )


def test_every_domain_module_is_a_documented_kind():
    odd = [
        f"  {rel(path)}"
        for path in modules().values()
        if domain_of(path) and documented_layer(path) is None and rel(path) not in UNLISTED_MODULES
    ]
    assert not odd, (
        "Modules that are none of the documented kinds (plugin, models, rules, service or <area>_service, "
        "queries, forms, routes or <audience>_routes, i18n, demo):\n"
        + "\n".join(odd)
        + "\nRename each after its kind; a pure module (no database, no web) named for what it is goes "
        "into PURE_MODULES in tests/platform/test_architecture.py."
    )


def test_unlisted_modules_allowlist_has_no_stale_entries():
    stale = [
        f"  {key}" + (" (gone)" if not (ROOT / key).exists() else " (now a documented kind)")
        for key in sorted(UNLISTED_MODULES)
        if not (ROOT / key).exists() or documented_layer(ROOT / key) is not None
    ]
    assert not stale, (
        "Delete these entries from UNLISTED_MODULES in tests/platform/test_architecture.py:\n"
        + "\n".join(stale)
    )


def test_listed_modules_exist():
    missing = sorted(k for k in [*PURE_MODULES, *SHARED_MODULES] if not (ROOT / k).exists())
    assert not missing, (
        "PURE_MODULES/SHARED_MODULES in tests/platform/test_architecture.py name files that are gone "
        "(renamed? update the entry): " + ", ".join(missing)
    )


# per-file-ignores in pyproject.toml that are not exceptions but the rule (message tables, migrations)
PERMANENT_RUFF_IGNORES = {"server/i18n.py", "server/*/i18n.py", "migrations/**"}


def test_ruff_exceptions_in_pyproject_are_still_needed():
    """pyproject.toml lists the files still allowed a function over complexity 16 (C901) or a line over
    110 characters (E501); an entry goes as soon as its file no longer needs it."""
    ruff = Path(sys.executable).with_name("ruff")
    if not ruff.exists():
        pytest.skip("ruff is not installed next to this Python")
    ignores = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["ruff"]["lint"]["per-file-ignores"]
    listed = {path: set(codes) for path, codes in ignores.items() if path not in PERMANENT_RUFF_IGNORES}
    assert all((ROOT / path).exists() for path in listed), (
        "pyproject.toml's per-file-ignores name files that are gone: "
        + ", ".join(p for p in sorted(listed) if not (ROOT / p).exists())
    )
    out = subprocess.run(
        [str(ruff), "check", "--no-cache", "--exit-zero", "--output-format", "json", "--select", "C901,E501"]
        + ["--config", "lint.per-file-ignores = {}", *sorted(listed)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = {(Path(v["filename"]).resolve().relative_to(ROOT).as_posix(), v["code"]) for v in json.loads(out)}
    stale = [
        f"  {path}: {code}"
        for path, codes in sorted(listed.items())
        for code in sorted(codes)
        if (path, code) not in found
    ]
    assert not stale, (
        "These files no longer need their exception: delete it from [tool.ruff.lint.per-file-ignores] "
        "in pyproject.toml (and its comment):\n" + "\n".join(stale)
    )


def test_the_layering_table_names_only_known_layers():
    known = set(LAYERS) | set(LIBRARIES.values()) | {"lib", "*"}
    used = {layer for row in LAYERS.values() for layer in row}
    given = {*KINDS_BY_NAME.values(), *KINDS_BY_SUFFIX.values(), *SHARED_MODULES.values()} | {
        layer for layer, _ in UNLISTED_MODULES.values()
    }
    assert used <= known, f"LAYERS_TABLE names unknown layers: {sorted(used - known)}"
    assert given <= set(LAYERS), f"modules are given layers that have no row: {sorted(given - set(LAYERS))}"
