"""Reading a folder of CRM exports into the neutral tables, in DuckDB.

Every row of every file is accounted for: used, rejected (with a finding naming the file,
row and column: an unparseable date, an unknown stage, a missing value) or ignored for a
stated reason (a change of another field in a field history). Rows are numbered as the
file's records with the header as row 1 (DuckDB's count, so a value spanning lines is one
row); a Parquet file's rows count from 1.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

from ..definitions.businesstime import Calendar
from ..definitions.findings import Finding, Location, Rule, Severity
from ..definitions.model import Playbook
from ..exports.crm import converted_stage
from . import stages as stage_map
from .schema import TABLES, Column
from .sources import KNOWN_NAMES, Col, Mapping, Wide, recognise

DATA_RULES = {r.code: r for r in (
    Rule("PD101", "missing-column", Severity.ERROR,
         "A file has every column its kind needs.", "data"),
    Rule("PD102", "bad-date", Severity.WARNING,
         "A date or time is ISO 8601 (or a Salesforce report's US format).", "data"),
    Rule("PD103", "unknown-stage", Severity.WARNING,
         "A stage is one the playbook defines (its id, CRM value or name).", "data"),
    Rule("PD104", "missing-value", Severity.WARNING,
         "A row gives every value its table needs.", "data"),
    Rule("PD105", "bad-number", Severity.WARNING, "An amount is a number.", "data"),
    Rule("PD106", "unknown-file", Severity.WARNING,
         "Every file in the data folder is a known export.", "data"),
    Rule("PD107", "unknown-value", Severity.WARNING,
         "A tier or segment is one the playbook defines.", "data"),
    Rule("PD108", "unreadable-row", Severity.WARNING,
         "A CSV row has as many fields as its header.", "data"),
    Rule("PD109", "unreadable-file", Severity.ERROR, "A data file can be read.", "data"),
    Rule("PD110", "unknown-stage-column", Severity.WARNING,
         "A stage-date column names a stage the playbook defines.", "data"),
    Rule("PM001", "target-breached", Severity.ERROR,
         "A measured KPI meets its target in the last complete period.", "scorecard"),
)}
EXAMPLES = 5  # rows named per problem and file; the rest are counted

# Salesforce reports in the US locale write `11/2/2026 2:05 PM`
US_FORMATS = ["%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M", "%m/%d/%Y"]


class DataError(Exception):
    """The data folder itself cannot be read (a usage error)."""


@dataclass
class FileCount:
    path: str
    kind: str
    read: int = 0
    used: int = 0
    rejected: int = 0
    ignored: int = 0
    ignored_why: str = ""
    dates: int = 0  # stage dates read from date-per-stage columns


@dataclass
class Data:
    """The neutral tables in `con`, and how they were read."""

    con: duckdb.DuckDBPyConnection
    playbook: Playbook
    calendar: Calendar
    files: list[FileCount] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    first: date | None = None
    last: datetime | None = None  # the latest moment in the data

    def failed(self, strict: bool = False) -> bool:
        bad = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
        return any(f.effective_severity in bad for f in self.findings)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def connect(playbook: Playbook, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    # CRM exports write instants; without a stated time zone, days are counted in UTC
    tz = playbook.timezone or "UTC"
    con.execute(f"SET TimeZone = {_lit(tz)}")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    return con


def load(folder: Path, playbook: Playbook, threads: int | None = None) -> Data:
    """Read every export in `folder` into the neutral tables."""
    if not folder.is_dir():
        raise DataError(f"data folder '{folder}' does not exist" if not folder.exists()
                        else f"'{folder}' is not a folder; pass the folder holding the exports")
    con = connect(playbook, threads)
    data = Data(con, playbook, Calendar.of(playbook))
    _stage_tables(con, playbook)
    parts: dict[str, list[str]] = {name: [] for name in TABLES}
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        raise DataError(f"cannot list '{folder}': {exc.strerror or exc}") from None
    for n, entry in enumerate(entries):
        path = Path(entry.path)
        display = str(path)
        suffix = path.suffix.lower()
        if entry.name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):
            data.findings.append(_finding("PD106", display, 0, 0,
                                          f"folder '{entry.name}' is not read: the exports "
                                          "are the files of the data folder itself",
                                          "Move its files up, or name that folder instead."))
            continue
        if suffix not in (".csv", ".parquet") or not entry.is_file(follow_symlinks=False):
            data.findings.append(_finding("PD106", display, 0, 0,
                                          f"'{entry.name}' is not read: only CSV and Parquet "
                                          "files (not links or other files) are",
                                          "Move it out of the data folder."))
            continue
        raw = f"raw_{n}"
        header = _read_raw(con, path, raw, data, display)
        if header is None:
            continue
        fmt = recognise(path.stem, header)
        if fmt is None:
            data.findings.append(_finding(
                "PD106", display, 1, 1, f"'{entry.name}' is no export Playbook knows",
                "Name each file after what it holds: " + ", ".join(KNOWN_NAMES) + "."))
            continue
        count = FileCount(display, fmt.name)
        data.files.append(count)
        count.read = con.execute(f"SELECT count(*) FROM {raw}").fetchone()[0]  # type: ignore[index]
        count.read += _rejected_rows(con, raw, display, data, count)
        used = _map_rows(con, raw, f"{raw}_rows", fmt.rows, header, display, data, count)
        if used:
            parts[fmt.rows.table].append(f"{raw}_rows")
        for i, wide in enumerate(fmt.wide):
            name = _map_wide(con, raw, f"{raw}_wide{i}", wide, header, display, data, count)
            if name:
                parts[wide.table].append(name)
    _combine(con, parts)
    _derive(con, data)
    data.findings.sort(key=lambda f: f.sort_key())
    return data


def _finding(code: str, file: str, row: int, column: int, message: str,
             hint: str = "") -> Finding:
    return Finding(DATA_RULES[code], Location(file, row, column), message, hint)


def _read_raw(con: duckdb.DuckDBPyConnection, path: Path, raw: str, data: Data,
              display: str) -> list[str] | None:
    source = _lit(str(path))
    try:
        if path.suffix.lower() == ".parquet":
            con.execute(f"CREATE VIEW {raw} AS SELECT file_row_number + 1 AS __row, * "
                        f"EXCLUDE (file_row_number) FROM read_parquet({source}, "
                        "file_row_number = true)")
        else:
            con.execute(f"CREATE TABLE {raw}_csv AS SELECT * FROM read_csv({source}, "
                        "all_varchar = true, header = true, store_rejects = true, "
                        f"rejects_table = '{raw}_rejects', rejects_scan = '{raw}_scan', "
                        "null_padding = false)")
            con.execute(f"CREATE VIEW {raw} AS SELECT rowid + 2 AS __row, * FROM {raw}_csv")
        header = [row[0] for row in con.execute(f"DESCRIBE {raw}").fetchall()][1:]
    except duckdb.Error as exc:
        message = str(exc).splitlines()[0][:300]
        data.findings.append(_finding("PD109", display, 0, 0,
                                      f"cannot read '{path.name}': {message}",
                                      "Export it again as CSV with a header row "
                                      "(UTF-8), or as Parquet."))
        return None
    return header


def _rejected_rows(con: duckdb.DuckDBPyConnection, raw: str, display: str, data: Data,
                   count: FileCount) -> int:
    """Rows DuckDB could not split into the header's columns: each a finding, each counted
    as read and rejected; the rows after them keep their own numbers."""
    try:
        rows = con.execute(f"SELECT line, column_idx, error_message FROM {raw}_rejects "
                           "ORDER BY line").fetchall()
    except duckdb.Error:
        return 0  # a Parquet file
    if not rows:
        return 0
    for line, column, message in rows[:EXAMPLES]:
        hint = ("Save the file as UTF-8." if "unicode" in str(message).lower() else
                "Quote values holding commas or line breaks.")
        data.findings.append(_finding("PD108", display, int(line), int(column or 1),
                                      f"row {line} cannot be read: {message}", hint))
    if len(rows) > EXAMPLES:
        data.findings.append(_finding("PD108", display, int(rows[EXAMPLES][0]), 1,
                                      f"{len(rows) - EXAMPLES:,} more rows cannot be read"))
    count.rejected += len(rows)
    # renumber the rows that were read: the n-th kept row is the n-th record not rejected
    total = con.execute(f"SELECT count(*) FROM {raw}_csv").fetchone()[0]  # type: ignore[index]
    con.execute(f"CREATE OR REPLACE VIEW {raw} AS SELECT n.line AS __row, c.* EXCLUDE (k) "
                f"FROM (SELECT rowid AS k, * FROM {raw}_csv) c JOIN (SELECT line, "
                f"row_number() OVER (ORDER BY line) - 1 AS k FROM (SELECT range AS line FROM "
                f"range(2, {total + len(rows) + 2}) EXCEPT SELECT line FROM "
                f"{raw}_rejects)) n USING (k)")
    return len(rows)


def _pick(col: Col, header: list[str]) -> list[str]:
    present = [n for n in col.names if n in header]
    return present if col.coalesce else present[:1]


def _timestamp(value: str, typed: bool, column_type: str = "") -> str:
    if column_type.startswith("TIMESTAMP WITH TIME ZONE"):
        return f"CAST({value} AS TIMESTAMP)"  # the instant, in the session's (SLA's) zone
    if column_type.startswith(("TIMESTAMP", "DATE")):
        return f"CAST({value} AS TIMESTAMP)"  # already a local time
    if typed:
        return f"CAST(TRY_CAST({value} AS TIMESTAMPTZ) AS TIMESTAMP)"
    text = f"NULLIF(trim({value}), '')"
    formats = "[" + ", ".join(_lit(f) for f in US_FORMATS) + "]"
    return (f"coalesce(CAST(TRY_CAST({text} AS TIMESTAMPTZ) AS TIMESTAMP), "
            f"try_strptime({text}, {formats}))")


@dataclass
class _Value:
    sql: str  # the raw value (text, or a typed Parquet value)
    column: int  # 1-based position of its column in the file, 0 when not from the file
    name: str  # the file's column name, for messages
    typed: bool  # not text (Parquet)
    type: str = "VARCHAR"
    trim: bool = True  # text from a CSV file: spaces around a value are not part of it


def _map_rows(con: duckdb.DuckDBPyConnection, raw: str, out: str, mapping: Mapping,
              header: list[str], display: str, data: Data, count: FileCount) -> bool:
    table = TABLES[mapping.table]
    types = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {raw})").fetchall())
    csv = display.lower().endswith(".csv")
    values: dict[str, _Value | None] = {}
    for column in table.columns:
        if not column.read:
            values[column.name] = None
            continue
        if column.name in mapping.constants:
            values[column.name] = _Value(mapping.constants[column.name], 0, column.name, False)
            continue
        col = mapping.columns.get(column.name)
        names = _pick(col, header) if col else []
        if not names:
            values[column.name] = None
            continue
        assert col is not None
        template = col.template if col.when is None or col.when in header else "{}"
        parts = [template.format("r." + _q(n)) for n in names]
        sql = parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"
        kind = types.get(names[0], "VARCHAR") if len(parts) == 1 and template == "{}" \
            else "VARCHAR" if all(types.get(n, "VARCHAR") == "VARCHAR" for n in names) else "ANY"
        values[column.name] = _Value(sql, header.index(names[0]) + 1, names[0],
                                     kind != "VARCHAR", kind, trim=csv)
    missing = [c for c in table.columns if c.required and values.get(c.name) is None]
    if mapping.table == "activities" and values["lead_id"] is None and values["deal_id"] is None:
        missing.append(table.column("lead_id"))
    if missing:
        wanted = [" or ".join(mapping.columns[c.name].names) if c.name in mapping.columns
                  else c.name for c in missing]
        data.findings.append(_finding(
            "PD101", display, 1, 1, f"{count.kind} file has no column "
            + ", ".join(f"'{w}'" for w in wanted) + f": its {count.read:,} rows are not used",
            f"Export it again with {'these columns' if len(wanted) > 1 else 'that column'}."))
        count.rejected = count.read
        return False
    where, ignored_why = _ignore(mapping, header)
    exprs, checks, soft = [], [], []
    for column in table.columns:
        value = values[column.name]
        typed, problem, soft_problem = _column_sql(column, value, mapping.table)
        exprs.append(f"{typed} AS {column.name}")
        if problem:
            checks.append(problem)
        if soft_problem:
            soft.append(soft_problem)
    if mapping.table == "activities":
        lead, deal = values["lead_id"], values["deal_id"]
        either = " AND ".join(f"NULLIF(trim(CAST({v.sql} AS VARCHAR)), '') IS NULL"
                              for v in (lead, deal) if v is not None)
        first = lead or deal
        assert first is not None
        checks.append(f"WHEN {either} THEN 'PD104|{first.column}|{first.name}|'")
    reject = "CASE " + " ".join(checks) + " END" if checks else "NULL"
    soft_sql = "CASE " + " ".join(soft) + " END" if soft else "NULL"
    joins = _joins(table.columns, values)
    con.execute(f"CREATE TEMP TABLE {out}_all AS SELECT __row, {', '.join(exprs)}, "
                f"{reject} AS __reject, {soft_sql} AS __soft FROM (SELECT * FROM {raw}"
                f"{' WHERE ' + where if where else ''}) r {joins}")
    if where:
        kept = con.execute(f"SELECT count(*) FROM {out}_all").fetchone()[0]  # type: ignore[index]
        count.ignored = count.read - count.rejected - kept
        count.ignored_why = ignored_why
    _report(con, f"{out}_all", "__reject", display, data, mapping.table)
    _report(con, f"{out}_all", "__soft", display, data, mapping.table)
    rejected, used = con.execute(
        f"SELECT count(*) FILTER (WHERE __reject IS NOT NULL), count(*) FILTER (WHERE "
        f"__reject IS NULL) FROM {out}_all").fetchone()  # type: ignore[misc]
    count.rejected += rejected
    count.used = used
    columns = ", ".join(c.name for c in table.columns)
    con.execute(f"CREATE TEMP VIEW {out} AS SELECT {columns} FROM {out}_all "
                "WHERE __reject IS NULL")
    return used > 0


def _ignore(mapping: Mapping, header: list[str]) -> tuple[str, str]:
    conditions, reasons = [], []
    for rule in mapping.ignore:
        if rule.column not in header:
            continue
        values = ", ".join(_lit(v) for v in rule.values)
        conditions.append(f"coalesce({_q(rule.column)}, '') {'' if rule.keep else 'NOT '}"
                          f"IN ({values})")
        reasons.append(rule.reason)
    return " AND ".join(conditions), "; ".join(reasons)


def _column_sql(column: Column, value: _Value | None,
                table: str) -> tuple[str, str | None, str | None]:
    """The typed SQL of a neutral column, the CASE branch rejecting its row (if any), and
    the branch reporting a value that is left out (an optional column's bad value)."""
    if value is None:
        typed_null = {"timestamp": "CAST(NULL AS TIMESTAMP)", "number": "CAST(NULL AS DOUBLE)"}
        return typed_null.get(column.kind, "CAST(NULL AS VARCHAR)"), None, None
    raw = value.sql
    text = (f"NULLIF(trim(CAST({raw} AS VARCHAR)), '')" if value.trim
            else f"NULLIF(CAST({raw} AS VARCHAR), '')")
    tag = f"|{value.column}|{value.name}|' || coalesce({text}, '')"
    missing = f"WHEN {text} IS NULL THEN 'PD104{tag}" if column.required else None
    if column.kind == "timestamp":
        typed = _timestamp(raw, value.typed, value.type)
        bad = f"WHEN {text} IS NOT NULL AND {typed} IS NULL THEN 'PD102{tag}"
    elif column.kind == "number":
        typed = f"TRY_CAST({raw} AS DOUBLE)"
        bad = f"WHEN {text} IS NOT NULL AND {typed} IS NULL THEN 'PD105{tag}"
    elif column.kind in ("lifecycle", "stage"):
        alias = f"m_{column.name}"
        typed = f"{alias}.id"
        bad = f"WHEN {typed} IS NULL THEN 'PD103{tag}"
    elif column.kind in ("tier", "segment"):
        alias = f"m_{column.name}"
        typed = f"{alias}.id"
        bad = f"WHEN {text} IS NOT NULL AND {typed} IS NULL THEN 'PD107{tag}"
        return typed, missing, bad
    elif column.kind == "channel":
        typed = _channel(text)
        return typed, missing, None
    else:
        return text, missing, None
    branches = " ".join(b for b in (missing, bad) if b)
    if column.required:
        return typed, branches, None
    return typed, None, bad


CHANNEL_WORDS = {"email": "email", "emails": "email", "listemail": "email",
                 "email_sent": "email", "call": "call", "calls": "call", "meeting": "meeting",
                 "meetings": "meeting", "meeting_event": "meeting", "social": "social",
                 "linkedin": "social", "linkedin_message": "social", "social_media": "social",
                 "event": "event"}


def _channel(text: str) -> str:
    words = " ".join(f"WHEN {_lit(k)} THEN {_lit(v)}" for k, v in CHANNEL_WORDS.items())
    return (f"CASE lower({text}) {words} ELSE CASE WHEN {text} IS NULL THEN NULL "
            "ELSE 'other' END END")


def _joins(columns: Iterable[Column], values: dict[str, _Value | None]) -> str:
    maps = {"lifecycle": "lifecycle_map", "stage": "stage_map", "tier": "tier_map",
            "segment": "segment_map"}
    joins = []
    for column in columns:
        value = values.get(column.name)
        if column.kind in maps and value is not None:
            joins.append(f"LEFT JOIN {maps[column.kind]} m_{column.name} ON "
                         f"m_{column.name}.value = lower(trim(CAST({value.sql} AS VARCHAR)))")
    return " ".join(joins)


_WHAT = {"PD102": "cannot be read as a date and time", "PD103": "is no stage of the playbook",
         "PD104": "is empty", "PD105": "is not a number", "PD107": "is not defined"}


def _report(con: duckdb.DuckDBPyConnection, table: str, column: str, display: str,
            data: Data, neutral: str) -> None:
    """A finding for the first rows with each problem, and a count of the others."""
    rows = con.execute(
        f"SELECT {column}, __row FROM (SELECT {column}, __row, row_number() OVER "
        f"(PARTITION BY split_part({column}, '|', 1), split_part({column}, '|', 3) "
        f"ORDER BY __row) AS n FROM {table} WHERE {column} IS NOT NULL) WHERE n <= "
        f"{EXAMPLES} ORDER BY __row").fetchall()
    if not rows:
        return
    totals = dict(con.execute(
        f"SELECT split_part({column}, '|', 1) || '|' || split_part({column}, '|', 3), "
        f"count(*) FROM {table} WHERE {column} IS NOT NULL GROUP BY 1").fetchall())
    shown: dict[str, int] = {}
    dropped = "the row is not used" if column == "__reject" else "the value is left out"
    for problem, row in rows:
        code, col, name, value = problem.split("|", 3)
        key = f"{code}|{name}"
        shown[key] = shown.get(key, 0) + 1
        kind = TABLES[neutral].columns
        what = _WHAT[code]
        hint = _hint(code, name, neutral, kind, data.playbook)
        data.findings.append(_finding(
            code, display, int(row), int(col),
            f"{name} {_show(value)} {what}: {dropped}" if value else f"{name} {what}: "
            f"{dropped}", hint))
        if shown[key] == EXAMPLES and totals[key] > EXAMPLES:
            data.findings.append(_finding(code, display, int(row), int(col),
                                          f"and {totals[key] - EXAMPLES:,} more rows whose "
                                          f"{name} {what}", hint))


def _show(value: str) -> str:
    shown = value if len(value) <= 60 else value[:57] + "..."
    return "'" + "".join(ch if ch.isprintable() else "?" for ch in shown) + "'"


def _hint(code: str, name: str, neutral: str, columns: tuple[Column, ...],
          playbook: Playbook) -> str:
    if code == "PD102":
        return "Write it as ISO 8601, e.g. 2026-11-02T14:05:00Z or 2026-11-02 09:05."
    if code == "PD103":
        kind = "lifecycle" if neutral == "lead_events" else "sales"
        known = stage_map.values(playbook, kind)
        return (f"Known {kind} stages: {', '.join(known[:12])}"
                f"{', …' if len(known) > 12 else ''}; give the stage a `crm_stage:` with "
                "this value if it is the CRM's name for one.")
    if code == "PD105":
        return "Write amounts as plain numbers, e.g. 1500.50."
    if code == "PD107":
        ids = playbook.segments if name in ("segment", "Segment__c", "Segment") else (
            playbook.sla.tiers if playbook.sla else {})
        return f"Defined: {', '.join(ids) or 'none'}."
    return "Fill it in, or leave the row out of the export."


def _sql_value(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    return _lit(str(value))


def _insert(con: duckdb.DuckDBPyConnection, table: str,
            rows: Iterable[tuple[object, ...]]) -> None:
    """Insert small tables in one statement (DuckDB's executemany runs one per row)."""
    values = ", ".join("(" + ", ".join(_sql_value(v) for v in row) + ")" for row in rows)
    if values:
        con.execute(f"INSERT INTO {table} VALUES {values}")


def _stage_tables(con: duckdb.DuckDBPyConnection, playbook: Playbook) -> None:
    for name, rows in (("lifecycle_map", stage_map.lifecycle_values(playbook)),
                       ("stage_map", stage_map.sales_values(playbook)),
                       ("tier_map", [(t.lower(), t) for t in
                                     (playbook.sla.tiers if playbook.sla else {})]),
                       ("segment_map", [(s.lower(), s) for s in playbook.segments])):
        con.execute(f"CREATE TABLE {name} (value VARCHAR, id VARCHAR)")
        if rows:
            _insert(con, name, rows)
    con.execute("CREATE TABLE stage_facts (id VARCHAR, process VARCHAR, ord INTEGER, "
                "outcome VARCHAR, counts_as VARCHAR)")
    facts = stage_map.sales_facts(playbook)
    if facts:
        _insert(con, "stage_facts", facts)


def _map_wide(con: duckdb.DuckDBPyConnection, raw: str, out: str, wide: Wide,
              header: list[str], display: str, data: Data, count: FileCount) -> str | None:
    keys = _pick(wide.key, header)
    if not keys:
        return None
    kind = "lifecycle" if wide.table == "lead_events" else "sales"
    mapping = dict(stage_map.lifecycle_values(data.playbook) if kind == "lifecycle"
                   else stage_map.sales_values(data.playbook))
    types = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {raw})").fetchall())
    selects = []
    for i, name in enumerate(header):
        match = next((m for p in wide.patterns if (m := p.match(name))), None)
        if match is None:
            continue
        value = match["stage"].strip().lower()
        typed_col = types.get(name, "VARCHAR") != "VARCHAR"
        text = f"NULLIF(trim(CAST({_q(name)} AS VARCHAR)), '')"
        sid = mapping.get(value)
        if sid is None:
            filled = con.execute(f"SELECT count(*) FROM {raw} WHERE {text} IS NOT NULL"
                                 ).fetchone()[0]  # type: ignore[index]
            if filled:
                data.findings.append(_finding(
                    "PD110", display, 1, i + 1,
                    f"column '{name}' is the date of {kind} stage '{match['stage']}', which "
                    f"the playbook does not define: its {filled:,} dates are not used",
                    _hint("PD103", name, wide.table, (), data.playbook)))
            continue
        typed = _timestamp(_q(name), typed_col, types.get(name, "VARCHAR"))
        tag = f"'PD102|{i + 1}|{name}|' || {text}"
        selects.append(f"SELECT __row, {_q(keys[0])} AS id, {_lit(sid)} AS stage, {typed} AS "
                       f"entered_at, CASE WHEN {typed} IS NULL THEN {tag} END AS __soft FROM {raw} "
                       f"WHERE {text} IS NOT NULL")
    if not selects:
        return None
    key = "lead_id" if wide.table == "lead_events" else "deal_id"
    con.execute(f"CREATE TEMP TABLE {out}_all AS SELECT __row, NULLIF(trim(CAST(id AS "
                f"VARCHAR)), '') AS {key}, stage, entered_at, __soft FROM "
                f"({' UNION ALL '.join(selects)})")
    _report(con, f"{out}_all", "__soft", display, data, wide.table)
    count.dates = con.execute(f"SELECT count(*) FROM {out}_all WHERE __soft IS NULL AND "
                              f"{key} IS NOT NULL").fetchone()[0]  # type: ignore[index]
    con.execute(f"CREATE TEMP VIEW {out} AS SELECT {key}, stage, entered_at FROM {out}_all "
                f"WHERE __soft IS NULL AND {key} IS NOT NULL")
    return out


def _combine(con: duckdb.DuckDBPyConnection, parts: dict[str, list[str]]) -> None:
    for name, table in TABLES.items():
        columns = ", ".join(c.name for c in table.columns)
        if parts[name]:
            union = " UNION ALL ".join(f"SELECT {columns} FROM {p}" for p in parts[name])
        else:
            empty = ", ".join(f"CAST(NULL AS {_SQL_TYPES.get(c.kind, 'VARCHAR')}) AS {c.name}"
                              for c in table.columns)
            union = f"SELECT {empty} WHERE false"
        con.execute(f"CREATE TEMP VIEW {name} AS {union}")


_SQL_TYPES = {"timestamp": "TIMESTAMP", "number": "DOUBLE"}


def _derive(con: duckdb.DuckDBPyConnection, data: Data) -> None:
    """What the measures read besides the tables: one row per deal and stage entered
    (repeats of the same stage in a history folded), each deal's first stage, and the
    days of the business calendar."""
    con.execute("""
        CREATE TEMP TABLE deal_entries AS
        WITH ordered AS (
            SELECT deal_id, stage, entered_at,
                   lag(stage) OVER (PARTITION BY deal_id ORDER BY entered_at, stage) AS before
            FROM (SELECT DISTINCT deal_id, stage, entered_at FROM deal_stages)
        ), entered AS (
            SELECT deal_id, stage, entered_at FROM ordered
            WHERE before IS NULL OR before <> stage
            UNION ALL
            -- no history: the deal entered its stage when created, or, a closed one, when
            -- it closed
            SELECT d.deal_id, d.stage, CASE WHEN f.outcome IS NOT NULL
                THEN coalesce(d.closed_at, d.created_at) ELSE d.created_at END
            FROM deals d LEFT JOIN stage_facts f ON f.id = d.stage
            WHERE NOT EXISTS (SELECT 1 FROM deal_stages s WHERE s.deal_id = d.deal_id)
        )
        SELECT deal_id, stage, entered_at,
               lead(entered_at) OVER (PARTITION BY deal_id ORDER BY entered_at, stage)
                   AS left_at,
               lead(stage) OVER (PARTITION BY deal_id ORDER BY entered_at, stage) AS next_stage
        FROM entered
    """)
    # a deal's lead: given on the deal, or on the lead it was converted from
    con.execute("""
        CREATE TEMP TABLE deal_leads AS
        SELECT deal_id, lead_id FROM deals WHERE lead_id IS NOT NULL
        UNION SELECT deal_id, lead_id FROM leads WHERE deal_id IS NOT NULL
    """)
    con.execute("""
        CREATE TEMP TABLE deal_won AS
        SELECT e.deal_id, min(e.entered_at) AS won_at FROM deal_entries e
        JOIN stage_facts f ON f.id = e.stage WHERE f.counts_as = 'won' GROUP BY e.deal_id
    """)
    con.execute("""
        CREATE TEMP TABLE lead_first AS
        SELECT lead_id, stage, min(entered_at) AS entered_at FROM lead_events
        GROUP BY lead_id, stage
    """)
    won_stage = _won_lifecycle_stage(data.playbook)
    if won_stage:
        # after conversion the lead's story goes on in its deal (Salesforce keeps no lead
        # status past conversion): a won deal puts its lead in the stage that follows the
        # converted one
        con.execute(f"""
            INSERT INTO lead_first
            SELECT l.lead_id, {_lit(won_stage)}, min(w.won_at) FROM deal_leads l
            JOIN deal_won w USING (deal_id)
            WHERE NOT EXISTS (SELECT 1 FROM lead_first f WHERE f.lead_id = l.lead_id
                              AND f.stage = {_lit(won_stage)})
            GROUP BY l.lead_id
        """)
    bounds = con.execute("""
        SELECT min(t), max(t) FROM (
            SELECT min(created_at) AS t FROM leads UNION ALL SELECT max(created_at) FROM leads
            UNION ALL SELECT min(entered_at) FROM lead_events
            UNION ALL SELECT max(entered_at) FROM lead_events
            UNION ALL SELECT min(created_at) FROM deals UNION ALL SELECT max(created_at) FROM deals
            UNION ALL SELECT max(closed_at) FROM deals
            UNION ALL SELECT min(entered_at) FROM deal_stages
            UNION ALL SELECT max(entered_at) FROM deal_stages
            UNION ALL SELECT min(done_at) FROM activities
            UNION ALL SELECT max(done_at) FROM activities)
    """).fetchone()
    assert bounds is not None
    first, last = bounds
    data.last = last
    data.first = first.date() if first else None
    _calendar_table(con, data.calendar, first.date() if first else None,
                    last.date() if last else None)


def _won_lifecycle_stage(playbook: Playbook) -> str | None:
    converted = converted_stage(playbook)
    if converted is None or not playbook.lifecycle[converted].next:
        return None
    return playbook.lifecycle[converted].next[0]


def _calendar_table(con: duckdb.DuckDBPyConnection, calendar: Calendar,
                    first: date | None, last: date | None) -> None:
    con.execute("CREATE OR REPLACE TEMP TABLE business_days (day DATE, business BOOLEAN, "
                "before DOUBLE)")
    if first is None or last is None:
        return
    # a year either side: windows and "now" reach past the data
    rows = calendar.days_table(first - timedelta(days=366), last + timedelta(days=366))
    _insert(con, "business_days", rows)


def extend_calendar(data: Data, until: datetime) -> None:
    """Make the calendar reach `until` (a `--as-of` past the data)."""
    if data.first is None:
        return
    last = data.con.execute("SELECT max(day) FROM business_days").fetchone()
    assert last is not None
    if last[0] is None or until.date() > last[0]:
        _calendar_table(data.con, data.calendar, data.first, until.date())


__all__ = ["DATA_RULES", "Data", "DataError", "FileCount", "load"]
