"""Opening the SQLite file: WAL, busy timeout, and schema migrations by ``user_version``.

Migrations are the files ``migrations/NNNN_name.sql`` shipped in the package, applied in
order, each inside its own transaction together with the ``PRAGMA user_version`` bump, so a
crash mid-migration leaves the database at the previous version.
"""

from __future__ import annotations

import itertools
import os
import re
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from newsbrief.errors import StoreError

__all__ = [
    "Migration",
    "connect",
    "default_db_path",
    "immediate",
    "marked",
    "migrate",
    "migrations",
    "opens_read_only",
    "pending_migrations",
    "schema_version",
    "select_in",
    "write_denied",
]

BUSY_TIMEOUT_MS = 10_000
CACHE_KIB = 64 * 1024  # page cache of a writing connection
_NAME = re.compile(r"^(\d{4})_([\w-]+)\.sql$")


def now_text() -> str:
    """The current time as the store writes it (``added_at``, ``updated_at``, briefs)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def default_db_path() -> Path:
    """The platform's per-user data folder (platformdirs) / ``newsbrief.db``."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("newsbrief", appauthor=False)) / "newsbrief.db"


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations() -> list[Migration]:
    """The packaged migrations in order. Numbers are blocks per owner (0001-0019 store,
    0020-0029 feeds, 0030-0039 web), so gaps between blocks are expected; no duplicates."""
    found = []
    for entry in resources.files("newsbrief.store").joinpath("migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    for before, migration in itertools.pairwise(found):
        if migration.version == before.version:
            raise StoreError(f"two migrations numbered {migration.version:04d}")
    return found


def _applied(conn: sqlite3.Connection, current: int) -> set[int]:
    """Versions applied so far. Blocks are numbered apart but written at the same time, so a
    later 0003 may meet a database already at 0020: track each version, not only the highest
    (databases made before this table: everything up to ``user_version``)."""
    conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)")
    done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
    if not done and current:
        done = {m.version for m in migrations() if m.version <= current}
        conn.executemany("INSERT INTO schema_migrations (version) VALUES (?)", [(v,) for v in done])
    return done


def _missing(conn: sqlite3.Connection, version: int) -> list[int]:
    """Packaged migrations a database has not applied (read only: nothing is written)."""
    try:
        done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
    except sqlite3.OperationalError:  # made before that table: everything up to version
        done = {m.version for m in migrations() if m.version <= version}
    return [m.version for m in migrations() if m.version not in done]


def pending_migrations(path: str | Path) -> list[int]:
    """The packaged migrations the existing database at ``path`` has not applied, read
    without writing anything (empty for an up-to-date one, or one that cannot be read:
    opening it then says why)."""
    try:
        conn = _open_readonly(Path(path))
    except (sqlite3.DatabaseError, StoreError, OSError):
        return []
    try:
        return _missing(conn, schema_version(conn))
    except sqlite3.DatabaseError:
        return []
    finally:
        conn.close()


def opens_read_only(path: str | Path) -> bool:
    """Whether a command that only reads opens the existing database at ``path`` read-only:
    yes, unless an older newsbrief made it and this process may write it; then it is opened
    for writing once, which migrates it (read-only, it could not be read at all)."""
    return not (pending_migrations(path) and write_denied(Path(path)) is None)


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, target: int | None = None) -> int:
    """Apply the migrations above the database's version (up to ``target``); returns it."""
    current = schema_version(conn)
    available = migrations()
    latest = available[-1].version if available else 0
    if current > latest:
        raise StoreError(
            f"database schema version {current} is newer than this newsbrief ({latest}); "
            "upgrade newsbrief"
        )
    applied = _applied(conn, current)
    for migration in available:
        if migration.version in applied or (target is not None and migration.version > target):
            continue
        try:
            with immediate(conn):
                if conn.execute("SELECT 1 FROM schema_migrations WHERE version = ?",
                                (migration.version,)).fetchone():
                    continue  # another process applied it meanwhile
                # executescript would COMMIT first; run the statements one by one instead.
                for statement in _statements(migration.sql):
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_migrations (version) VALUES (?)",
                             (migration.version,))
                current = max(current, migration.version)
                conn.execute(f"PRAGMA user_version = {current:d}")
        except sqlite3.Error as exc:
            raise StoreError(
                f"migration {migration.version:04d}_{migration.name} failed: {exc}"
            ) from exc
    return schema_version(conn)


def _statements(sql: str) -> list[str]:
    """Split a migration script into complete statements (sqlite3.complete_statement)."""
    out, buffer = [], ""
    for line in sql.splitlines(keepends=True):
        if not buffer and (not line.strip() or line.lstrip().startswith("--")):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            out.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise StoreError(f"incomplete SQL statement in migration: {buffer.strip()[:60]}")
    return out


#: Values per "IN (...)" query (SQLite allows 32766 parameters; smaller chunks plan as fast).
IN_CHUNK = 500


def select_in(conn: sqlite3.Connection, sql: str, values: Sequence[Any]) -> Iterator[tuple]:
    """The rows of ``sql``, whose one ``IN ({marks})`` takes ``values``, queried
    :data:`IN_CHUNK` values at a time."""
    for start in range(0, len(values), IN_CHUNK):
        chunk = values[start : start + IN_CHUNK]
        yield from conn.execute(sql.format(marks=",".join("?" * len(chunk))), chunk)


def marked(conn: sqlite3.Connection, key: str) -> bool:
    """Whether ``meta`` holds ``key``: the mark a migration leaves for a one-time upgrade
    that SQL alone cannot do (the store does it when it next opens the file for writing)."""
    return conn.execute("SELECT 1 FROM meta WHERE key = ?", (key,)).fetchone() is not None


@contextmanager
def immediate(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` (waiting up to the busy timeout for other writers) ... ``COMMIT``,
    rolled back on any exception, even Ctrl-C. The connection must be in autocommit mode."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        # SQLite has already rolled back after some errors (SQLITE_FULL, SQLITE_IOERR).
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _enable_wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL, waiting out another process doing the same to a new file: SQLite answers
    "database is locked" at once there instead of calling the busy handler."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _sidecars(path: Path) -> tuple[Path, Path]:
    """The write-ahead log and its index (shared memory) file SQLite keeps beside a WAL database."""
    return Path(f"{path}-wal"), Path(f"{path}-shm")


def _folder_writable(folder: Path) -> bool:
    return os.access(folder, os.W_OK | os.X_OK)


def _read_only_file_system(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # no statvfs (Windows): let SQLite say what is wrong
        return False


def write_denied(path: Path) -> str | None:
    """Why this process cannot write the database at ``path``, or ``None``.

    Checked before opening because SQLite opens a file it may not write read-only without a
    word, and then fails at the first write (mid-ingest) or, in WAL mode, says only "unable to
    open database file" when it cannot create the ``-wal`` and ``-shm`` files beside it.
    """
    folder = path.parent
    if _read_only_file_system(folder):
        return "it is on a read-only file system"
    if path.exists() and not os.access(path, os.W_OK):
        return "no permission to write the file"
    if not _folder_writable(folder) and not all(os.access(p, os.W_OK) for p in _sidecars(path)):
        return (f"no permission to write its folder {folder}, where SQLite keeps "
                f"{path.name}-wal and {path.name}-shm")
    return None


def _open_uri(path: Path, params: str) -> sqlite3.Connection:
    # as_uri() percent-encodes the path: a "?" or "#" in a folder name is not read as a query
    return sqlite3.connect(
        f"{path.absolute().as_uri()}?{params}", uri=True, isolation_level=None,
        check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000,
    )


def _open_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection, also where this process may not write (a read-only file
    system, a folder or file of another user).

    A reader of a WAL database needs the ``-shm`` index: ``mode=ro`` opens it, creating it
    when missing, and reads through a private copy when it exists but is read-only (SQLite
    3.22+). When neither it nor the ``-wal`` exist and the folder cannot take them, SQLite can
    read only a database declared ``immutable=1`` (https://www.sqlite.org/wal.html, "Read-Only
    Databases"; https://www.sqlite.org/walformat.html). That turns off locking and change
    detection, so it is used only then: no ``-wal`` means no connection has the database open
    (the last one to close deletes it), and a writer would need the folder this process
    cannot write. A ``-wal`` there holds commits an immutable reader would miss: refused.
    """
    conn = _open_uri(path, "mode=ro")
    try:
        schema_version(conn)  # SQLite opens the -wal and -shm at the first read
        return conn
    except sqlite3.DatabaseError as first:
        conn.close()
        wal, shm = _sidecars(path)
        if not os.access(path, os.R_OK):
            raise StoreError(f"{path}: cannot read the database: permission denied") from None
        if _folder_writable(path.parent):
            raise
        if wal.exists():
            raise StoreError(
                f"{path}: cannot read the database: it has a write-ahead log ({wal.name}) but "
                f"{shm.name} cannot be opened and the folder {path.parent} is not writable; "
                "read it where it can be written, or after its writer has closed it"
            ) from None
        conn = _open_uri(path, "mode=ro&immutable=1")
        try:
            schema_version(conn)
        except sqlite3.DatabaseError:
            conn.close()
            raise first from None
        return conn


def connect(path: str | Path, *, readonly: bool = False, migrate_to: int | None = None) -> sqlite3.Connection:
    """Open (creating folders and file when writable), set WAL and the busy timeout, migrate.

    ``readonly``: no writes, no migration; works on a read-only file system or folder too.
    Opening for writing where the file or its folder cannot be written fails at once with a
    :class:`StoreError` that says so.
    """
    path = Path(path)
    if path.is_dir():  # SQLite says only "unable to open database file" or "disk I/O error"
        raise StoreError(f"{path}: is a folder, not a database file")
    try:
        if readonly:
            if not path.exists():
                raise StoreError(f"{path}: no such database")
            conn = _open_readonly(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            denied = write_denied(path)
            if denied:
                raise StoreError(f"{path}: cannot write the database: {denied} "
                                 "(reading it with newsbrief events or show still works)")
            conn = sqlite3.connect(
                path, isolation_level=None, check_same_thread=False,
                timeout=BUSY_TIMEOUT_MS / 1000,
            )
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not readonly:
            _enable_wal(conn)
            # NORMAL in WAL mode: a committed transaction survives a process crash (SIGKILL);
            # only an OS crash or power loss can lose the last commits.
            conn.execute("PRAGMA synchronous = NORMAL")
            # The indexes probed for every arriving article (content hash, URL, LSH keys,
            # postings) outgrow SQLite's default 2 MB page cache past a few thousand articles.
            conn.execute(f"PRAGMA cache_size = -{CACHE_KIB:d}")
            conn.execute("PRAGMA foreign_keys = ON")
            migrate(conn, migrate_to)
        else:
            version = schema_version(conn)
            latest = migrations()[-1].version
            missing = _missing(conn, version)
            if version > latest:
                conn.close()
                raise StoreError(f"{path}: database schema version {version} is newer than "
                                 f"this newsbrief ({latest}); upgrade newsbrief")
            if missing:
                conn.close()
                # Named by number: the version alone can be the latest with migrations of an
                # earlier block missing ("schema version 21, expected 21").
                raise StoreError(
                    f"{path}: made by an older newsbrief (migration{'s' * (len(missing) > 1)} "
                    f"{', '.join(f'{v:04d}' for v in missing)} not applied); "
                    "open it once for writing to migrate (any newsbrief command does, "
                    "where the file can be written)"
                )
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: cannot open database: {exc}") from exc
    except OSError as exc:
        raise StoreError(f"{path}: cannot create database: {exc.strerror or exc}") from exc
    return conn
