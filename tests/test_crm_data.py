"""Reading CRM exports (`measure/load.py`): each vendor's shape gives the same neutral
tables, and every row the reader cannot use is a finding with file, row and column."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from helpers import example_playbook

from revenue_playbook.definitions.businesstime import Calendar
from revenue_playbook.measure import simulate
from revenue_playbook.measure.load import DataError, load


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _table(data, sql: str) -> list[tuple]:  # type: ignore[no-untyped-def]
    return data.con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    pb = example_playbook()
    records = simulate.simulate(pb, simulate.Options(leads=150, seed=7))
    root = tmp_path_factory.mktemp("shapes")
    return {shape: (simulate.write(pb, records, root / shape, shape), root / shape)[1]
            for shape in simulate.SHAPES}


def test_every_vendor_shape_reads_into_the_same_tables(generated: dict[str, Path]) -> None:
    pb = example_playbook()
    seen = {}
    for shape, folder in generated.items():
        data = load(folder, pb)
        assert data.findings == [], shape
        assert all(f.read == f.used + f.rejected + f.ignored and not f.rejected
                   for f in data.files)
        seen[shape] = (
            _table(data, "SELECT count(*) FROM leads"),
            _table(data, "SELECT lead_id[-7:], stage, entered_at FROM lead_first ORDER BY ALL"),
            _table(data, "SELECT deal_id[-7:], stage, entered_at FROM deal_entries ORDER BY ALL"),
            _table(data, "SELECT count(*), count(DISTINCT done_at) FROM activities"),
            _table(data, "SELECT deal_id[-7:], amount, closed_at IS NULL FROM deals ORDER BY 1"))
    assert seen["salesforce"] == seen["neutral"]
    assert seen["hubspot"] == seen["neutral"]


def test_utc_times_are_read_in_the_sla_time_zone(tmp_path: Path) -> None:
    # the example's business hours are in America/New_York: 14:05 UTC is 09:05 in November
    _write(tmp_path, "leads.csv", "lead_id,created_at\nL1,2026-11-02T14:05:00.000Z\n"
           "L2,2026-11-02 14:05\nL3,11/2/2026 2:05 PM\nL4,2026-11-02\n")
    data = load(tmp_path, example_playbook())
    assert _table(data, "SELECT lead_id, created_at FROM leads ORDER BY 1") == [
        ("L1", datetime(2026, 11, 2, 9, 5)), ("L2", datetime(2026, 11, 2, 14, 5)),
        ("L3", datetime(2026, 11, 2, 14, 5)), ("L4", datetime(2026, 11, 2, 0, 0))]


def test_bad_rows_are_findings_with_file_row_and_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "OpportunityHistory.csv",
                  "Id,OpportunityId,StageName,CreatedDate\n"
                  "h1,006A,1 - Discovery,2026-11-02T14:05:00Z\n"
                  "h2,006A,Qualification,2026-11-03T14:05:00Z\n"
                  "h3,006B,2 - Demo,yesterday\n"
                  "h4,,2 - Demo,2026-11-04T14:05:00Z\n"
                  "h5,006C,closed won,2026-11-05T14:05:00Z\n")
    data = load(tmp_path, example_playbook())
    found = [(str(f.location), f.code, f.message) for f in data.findings]
    assert found == [
        (f"{path}:3:3", "PD103", "StageName 'Qualification' is no stage of the playbook: "
                                 "the row is not used"),
        (f"{path}:4:4", "PD102", "CreatedDate 'yesterday' cannot be read as a date and time: "
                                 "the row is not used"),
        (f"{path}:5:2", "PD104", "OpportunityId is empty: the row is not used"),
    ]
    (count,) = data.files
    assert (count.read, count.used, count.rejected) == (5, 2, 3)
    # a stage named by its CRM value or name, in any case
    assert _table(data, "SELECT stage FROM deal_stages ORDER BY 1") == [
        ("closed_won",), ("discovery",)]


def test_a_ragged_row_is_reported_and_the_rows_after_it_keep_their_numbers(
        tmp_path: Path) -> None:
    path = _write(tmp_path, "leads.csv", "lead_id,created_at\nL1,2026-11-02\n"
                  "L2,2026-11-02,extra\nL3,not a date\n")
    data = load(tmp_path, example_playbook())
    assert [(str(f.location), f.code) for f in data.findings] == [
        (f"{path}:3:3", "PD108"), (f"{path}:4:2", "PD102")]
    assert (data.files[0].read, data.files[0].used, data.files[0].rejected) == (3, 1, 2)


def test_a_missing_column_rejects_the_file_and_says_which(tmp_path: Path) -> None:
    path = _write(tmp_path, "Task.csv", "Id,Subject,CreatedDate\nT1,Call,2026-11-02\n")
    data = load(tmp_path, example_playbook())
    (finding,) = data.findings
    assert (str(finding.location), finding.code) == (f"{path}:1:1", "PD101")
    assert "'WhoId'" in finding.message and "1 rows are not used" in finding.message
    assert data.failed()


def test_files_that_are_not_exports_are_named(tmp_path: Path) -> None:
    _write(tmp_path, "notes.txt", "hello")
    _write(tmp_path, "pipeline.csv", "a,b\n1,2\n")
    data = load(tmp_path, example_playbook())
    assert sorted((Path(f.location.file).name, f.code) for f in data.findings) == [
        ("notes.txt", "PD106"), ("pipeline.csv", "PD106")]


def test_an_unreadable_file_is_a_finding_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "leads.csv").write_bytes(b"")
    (tmp_path / "deals.parquet").write_bytes(b"not parquet at all")
    data = load(tmp_path, example_playbook())
    assert sorted((Path(f.location.file).name, f.code) for f in data.findings) == [
        ("deals.parquet", "PD109"), ("leads.csv", "PD101")]  # empty: no columns


def test_a_hubspot_date_column_of_an_unknown_stage_is_reported(tmp_path: Path) -> None:
    path = _write(tmp_path, "contacts.csv",
                  "hs_object_id,createdate,hs_lifecyclestage_evangelist_date,"
                  "hs_v2_date_entered_mql\n1,2026-11-02,2026-11-05,2026-11-03\n2,2026-11-02,,\n")
    data = load(tmp_path, example_playbook())
    (finding,) = data.findings
    assert (str(finding.location), finding.code) == (f"{path}:1:3", "PD110")
    assert _table(data, "SELECT lead_id, stage FROM lead_events") == [("1", "mql")]


def test_no_such_folder_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        load(tmp_path / "nope", example_playbook())


def test_business_time_counts_only_business_hours_and_skips_holidays() -> None:
    pb = example_playbook()  # 09:00-17:30 Mon-Fri, holiday on Thursday 26 November 2026
    calendar = Calendar.of(pb)
    # Wednesday 16:30 to Friday 10:00: 60 min Wednesday, Thursday a holiday, 60 min Friday
    assert calendar.elapsed(datetime(2026, 11, 25, 16, 30), datetime(2026, 11, 27, 10)) == 120
    # before opening and after closing count nothing; a weekend counts nothing
    assert calendar.elapsed(datetime(2026, 11, 20, 18), datetime(2026, 11, 23, 8)) == 0
    assert calendar.elapsed(datetime(2026, 11, 23, 8), datetime(2026, 11, 23, 9, 45)) == 45
    moved = pb.sla.business_hours.model_copy(update={"holidays": [date(2026, 11, 27)]})
    # the holiday moved to Friday: Thursday's 510 minutes count and Friday's do not
    assert Calendar(moved).elapsed(datetime(2026, 11, 25, 16, 30),
                                   datetime(2026, 11, 27, 10)) == 60 + 510


def test_stages_are_found_by_their_per_crm_names(tmp_path: Path) -> None:
    """A HubSpot deal stage is an internal id such as `appointmentscheduled` or `1234567`:
    the playbook's `crm: {hubspot: ...}` names it."""
    import shutil

    from helpers import EXAMPLE

    from revenue_playbook.checks.validate import validate

    defs = tmp_path / "defs"
    shutil.copytree(EXAMPLE, defs)
    process = defs / "processes" / "new_business.yaml"
    text = process.read_text(encoding="utf-8")
    process.write_text(text.replace("    crm_stage: 1 - Discovery\n",
                                    "    crm_stage: 1 - Discovery\n"
                                    "    crm: {hubspot: '1234567'}\n", 1), encoding="utf-8")
    result = validate(defs)
    assert not result.failed()
    _write(tmp_path / "data", "deals.csv",
           "hs_object_id,createdate,dealstage,hs_v2_date_entered_1234567\n"
           "9,2026-11-02,1234567,2026-11-02T15:00:00Z\n")
    data = load(tmp_path / "data", result.playbook)
    assert data.findings == []
    assert _table(data, "SELECT deal_id, stage, entered_at FROM deal_stages") == [
        ("9", "discovery", datetime(2026, 11, 2, 10, 0))]


def test_hostile_files_are_findings_never_tracebacks(tmp_path: Path) -> None:
    (tmp_path / "leads.csv").write_bytes(b"lead_id,created_at\nL1,2026-11-02\n"
                                         b"\xff\xfe,2026-11-03\n")
    (tmp_path / "activities.csv").mkdir()  # a folder named like an export
    (tmp_path / "lead_events.csv").symlink_to("/etc/passwd")  # a link leading out
    (tmp_path / "deal_stages.csv").write_text("deal_id,stage,entered_at\nD1,disco\x00very,"
                                              "2026-11-02\nD2,discovery," + "x" * 100_000 + "\n")
    data = load(tmp_path, example_playbook())
    found = sorted((Path(f.location.file).name, f.location.line, f.code) for f in data.findings)
    assert found == [("activities.csv", 0, "PD106"), ("deal_stages.csv", 2, "PD103"),
                     ("deal_stages.csv", 3, "PD102"), ("lead_events.csv", 0, "PD106"),
                     ("leads.csv", 3, "PD108")]
    unicode = next(f for f in data.findings if f.code == "PD108")
    assert unicode.hint == "Save the file as UTF-8."
    long = next(f for f in data.findings if f.code == "PD102")
    assert len(long.message) < 200 and "..." in long.message  # a long value is cut short
    stage = next(f for f in data.findings if f.code == "PD103")
    assert "'disco?very'" in stage.message  # an invisible character shown, not printed


def test_simulated_parquet_in_a_folder_whose_name_holds_a_quote(tmp_path: Path,
                                                                capsys) -> None:
    """The folder's path goes into DuckDB's COPY as a quoted literal: a `'` in it was an
    internal error (the SQL ended at the quote)."""
    from helpers import EXAMPLE

    from revenue_playbook.cli import main

    out = tmp_path / "o'brien"
    assert main(["simulate", str(out), str(EXAMPLE), "--leads", "5", "--parquet"]) == 0, \
        capsys.readouterr().err
    assert sorted(p.suffix for p in out.iterdir() if not p.name.startswith(".")) == \
        [".parquet"] * 5
