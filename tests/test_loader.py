"""The loader: positions of keys and values, and every way a file can be unreadable."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from helpers import MINIMAL

from revenue_playbook.checks.validate import validate
from revenue_playbook.definitions.loader import Limits, SourceFile, parse_text, read_file


def parse(text: str, limits: Limits | None = None) -> tuple[SourceFile, list[str]]:
    source = SourceFile(Path("f.yaml"), "f.yaml", text)
    findings = parse_text(source, limits or Limits())
    return source, [f"{f.location}: {f.code} {f.message}" for f in findings]


def codes_for(tmp_path: Path, name: str, content: bytes | str,
              monkeypatch: pytest.MonkeyPatch, **limits: int) -> list[str]:
    root = tmp_path / "defs"
    shutil.copytree(MINIMAL, root)
    path = root / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    monkeypatch.chdir(root)
    from revenue_playbook.definitions.config import Settings

    result = validate(Path("."), Settings(limits=Limits(**limits)))
    return [f"{f.location}: {f.code}" for f in result.findings]


def test_positions_of_keys_and_values() -> None:
    source, problems = parse("a:\n  b: [x, {c: 1}]\n  d: |\n    text\n")
    assert problems == []
    assert source.data == {"a": {"b": ["x", {"c": 1}], "d": "text\n"}}
    assert str(source.location(("a", "b"))) == "f.yaml:2:6"
    assert str(source.location(("a", "b"), key=True)) == "f.yaml:2:3"
    assert str(source.location(("a", "b", 1, "c"))) == "f.yaml:2:14"
    # a path that does not exist points at its nearest parent
    assert str(source.location(("a", "b", 1, "missing"))) == "f.yaml:2:10"


def test_scalars_read_as_people_expect() -> None:
    source, problems = parse("t: 17:00\nno: no\nyes: true\nd: 2027-01-31\nn: 5\nf: 2.5\n"
                             "q: '5'\nnull_value: ~\n")
    assert problems == []
    assert source.data == {"t": "17:00", "no": "no", "yes": True, "d": "2027-01-31", "n": 5,
                           "f": 2.5, "q": "5", "null_value": None}


def test_numbers_only_in_plain_decimal_and_text_kept_as_written() -> None:
    # YAML 1.1 read these as 8, 5, 31, 1000, not-a-number and infinity
    source, problems = parse("a: [010, 0b101, 0x1F, 1_000, .NaN, .inf, 1.50, +5, 1.0e999]\n")
    assert problems == []
    assert source.data["a"][:6] == ["010", "0b101", "0x1F", "1_000", ".NaN", ".inf"]
    assert [str(n) for n in source.data["a"][6:]] == ["1.50", "+5", "1.0e999"]
    assert source.data["a"][6:8] == [1.5, 5]


def test_text_fields_keep_numbers_as_written(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "defs"
    shutil.copytree(MINIMAL, root)
    launch = root / "campaigns" / "launch.yaml"
    launch.write_text(launch.read_text().replace("name: Product launch", "name: 0x1F")
                      .replace("objective: Book 20 demos", "objective: 1.50"))
    monkeypatch.chdir(root)
    result = validate(Path("."))
    assert result.findings == []
    campaign = result.playbook.campaigns["launch"]
    assert (campaign.name, campaign.objective) == ("0x1F", "1.50")


def test_merge_keys_are_expanded_and_local_keys_win() -> None:
    source, _ = parse("base: &b {owner: sdr, day: 1}\nstep:\n  <<: *b\n  day: 2\n")
    assert source.data["step"] == {"owner": "sdr", "day": 2}
    # positions follow the data: the local key, and the merged one where it was written
    assert str(source.location(("step", "day"))) == "f.yaml:4:8"
    assert str(source.location(("step", "owner"))) == "f.yaml:1:18"


def test_a_mapping_that_merges_itself_is_refused_and_located() -> None:
    source, problems = parse("a: &a {<<: *a, x: 1}\nb: 2\n")
    assert problems == ["f.yaml:1:19: PB005 values are nested more than 64 deep"]
    assert str(source.location(("a", "missing"))) == "f.yaml:1:4"


def test_positions_follow_the_value_that_was_kept() -> None:
    source, _ = parse("a: 1\na: 2\nlist:\n  - x\n  - {y: 3}\n")
    assert source.data == {"a": 1, "list": ["x", {"y": 3}]}
    assert str(source.location(("a",))) == "f.yaml:1:4"  # the first of duplicate keys
    assert str(source.location(("list", 1), key=True)) == "f.yaml:5:5"
    assert str(source.location(("list", 7))) == "f.yaml:4:3"  # no item 7: the list
    assert str(source.location(())) == "f.yaml:1:1"


def test_duplicate_keys_at_every_level() -> None:
    _, problems = parse("a: 1\na: 2\nb:\n  c: 1\n  c: 2\nd:\n  - e: 1\n    e: 2\n")
    assert problems == [
        "f.yaml:2:1: PB002 key 'a' appears twice in this mapping (first on line 1)",
        "f.yaml:5:3: PB002 key 'c' appears twice in this mapping (first on line 4)",
        "f.yaml:8:5: PB002 key 'e' appears twice in this mapping (first on line 7)",
    ]


def test_billion_laughs_is_refused_quickly() -> None:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    # without the limit this is 10**10 values; with it, building stops at 200,000
    source, problems = parse("\n".join(lines) + "\n")
    assert source.data is None
    assert problems == ["f.yaml:6:1: PB005 the value of 'a5' expands to more than 200,000 "
                        "values (are aliases `*name` repeating a large block?)"]


def test_deep_nesting_is_refused() -> None:
    _, problems = parse("a: " + "[" * 100 + "]" * 100 + "\n", Limits(max_depth=64))
    assert [p.split(": ")[1] for p in problems] == ["PB005 values are nested more than 64 deep"]


def test_empty_file_is_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert codes_for(tmp_path, "empty.yaml", "# nothing here\n", monkeypatch) == \
        ["empty.yaml:1:1: PB006"]


def test_invalid_utf8_points_at_the_byte(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    assert codes_for(tmp_path, "bad.yaml", b"roles:\n  x:\n    name: caf\xe9\n",
                     monkeypatch) == ["bad.yaml:3:14: PB003"]


def test_binary_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert codes_for(tmp_path, "logo.yaml", b"\x89PNG\r\n\x1a\n\x00\x00", monkeypatch) == \
        ["logo.yaml:3:1: PB003"]


def test_byte_order_mark_is_accepted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "\ufeffpersonas:\n  cfo:\n    name: Finance lead\n"
    assert codes_for(tmp_path, "bom.yaml", text.encode("utf-8"), monkeypatch) == []


def test_file_over_the_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "personas:\n" + "".join(f"  p{i}:\n    name: Persona {i}\n" for i in range(200))
    assert codes_for(tmp_path, "big.yaml", text, monkeypatch, max_file_bytes=4000) == \
        ["big.yaml: PB005"]


def test_a_file_that_grows_while_read_is_read_whole_or_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the size `fstat` reports is asked for first: a file that grew since is read on,
    to the end or past the limit."""
    text = "personas:\n" + "".join(f"  p{i}:\n    name: Persona {i}\n" for i in range(200))
    path = tmp_path / "grows.yaml"
    path.write_text(text)
    real_fstat = os.fstat

    def smaller(fd: int) -> os.stat_result:  # as if fstat ran before the last write
        found = real_fstat(fd)
        return os.stat_result((found.st_mode, *found[1:6], 10, *found[7:]))

    monkeypatch.setattr(os, "fstat", smaller)
    source, problems = read_file(path, tmp_path, Limits())
    assert problems == [] and len(source.data["personas"]) == 200
    source, problems = read_file(path, tmp_path, Limits(max_file_bytes=4000))
    assert [(p.code, p.message) for p in problems] == [
        ("PB005", "this file is over the limit of 4,000 bytes")]


def test_very_long_line_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "personas:\n  cfo:\n    name: Finance lead\n    description: " + "x" * 50_000 + "\n"
    assert codes_for(tmp_path, "long.yaml", text, monkeypatch) == []


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_link_pointing_outside_the_folder(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    outside = tmp_path / "secret.yaml"
    outside.write_text("personas: {}\n", encoding="utf-8")
    root = tmp_path / "defs"
    shutil.copytree(MINIMAL, root)
    (root / "link.yaml").symlink_to(outside)
    monkeypatch.chdir(root)
    result = validate(Path("."))
    assert [f"{f.location}: {f.code}" for f in result.findings] == ["link.yaml: PB008"]
    assert "outside the definitions folder" in result.findings[0].message


def test_missing_section(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "defs"
    shutil.copytree(MINIMAL, root)
    (root / "sla.yaml").unlink()
    monkeypatch.chdir(root)
    result = validate(Path("."))
    # the SLA is optional: what it would have been checked for is said once, as information
    assert [f"{f.location}: {f.code} {f.message}" for f in result.findings] == [
        "team.yaml:2:1: PB709 no `sla:` defined: the alignment checks PB502, PB503, PB504, "
        "PB505 (response times with a follow-up cadence before recycling) were skipped"]
    assert not result.failed(strict=True)


def test_company_alone_is_not_a_playbook(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "defs"
    root.mkdir()
    (root / "company.yaml").write_text("company:\n  name: Acme\n", encoding="utf-8")
    monkeypatch.chdir(root)
    result = validate(Path("."))
    assert [f"{f.location}: {f.code} {f.message}" for f in result.findings] == [
        ".: PB106 the playbook defines no sales process, lead lifecycle, lead status, "
        "campaign or SLA"]
    (root / "company.yaml").unlink()
    (root / "sales.yaml").write_text(
        (MINIMAL / "sales.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    result = validate(Path("."))
    assert [f"{f.code} {f.message}" for f in result.findings if f.code == "PB106"] == [
        "PB106 no `company:` section: the playbook needs the company"]


def test_empty_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "defs").mkdir()
    result = validate(Path("defs"))
    assert [f"{f.location}: {f.code}" for f in result.findings] == ["defs: PB107"]


def test_unreadable_file_hides_reference_noise(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    team = (MINIMAL / "team.yaml").read_text(encoding="utf-8")
    broken = team.replace("    name: Sales Development Rep\n",
                          "    name: [Sales Development Rep\n")
    assert codes_for(tmp_path, "team.yaml", broken, monkeypatch) == ["team.yaml:16:9: PB001"]


def test_read_file_never_writes(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("a: 1\na: 2\n", encoding="utf-8")
    before = path.stat().st_mtime_ns, path.read_bytes()
    read_file(path, tmp_path, Limits())
    assert (path.stat().st_mtime_ns, path.read_bytes()) == before


def findings_in(root: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.chdir(root)
    return [f"{f.location}: {f.code} {f.message}" for f in validate(Path(".")).findings]


def test_a_named_pipe_is_refused_without_waiting_for_a_writer(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "defs"
    shutil.copytree(MINIMAL, root)
    os.mkfifo(root / "x.yaml")  # reading it used to block validation forever
    assert findings_in(root, monkeypatch) == [
        "x.yaml: PB008 this is a named pipe (FIFO), not a regular file"]


def test_a_socket_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    root = tmp_path / "defs"
    shutil.copytree(MINIMAL, root)
    monkeypatch.chdir(root)
    with socket.socket(socket.AF_UNIX) as server:
        server.bind("x.yaml")
        assert findings_in(root, monkeypatch) == [
            "x.yaml: PB008 this is a socket, not a regular file"]


def test_a_link_to_a_link_inside_the_folder_is_read(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "defs"
    shutil.copytree(MINIMAL, root)
    (root / "team.yaml").rename(root / "team.txt")
    (root / "step.yaml").symlink_to("team.txt")
    (root / "team.yaml").symlink_to("step.yaml")
    # the same roles read twice through two links: duplicates, and nothing else
    assert {line.split(": ")[1].split()[0]
            for line in findings_in(root, monkeypatch)} == {"PB104"}


def test_a_file_name_ending_in_a_newline_is_an_invalid_id(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "defs"
    shutil.copytree(MINIMAL, root)
    shutil.copy(root / "templates" / "recap.yaml", root / "templates" / "welcome\n.yaml")
    found = findings_in(root, monkeypatch)
    # shown escaped, so the report keeps one finding per line
    assert "templates/welcome\\n.yaml:1:1: PB105 'welcome\\n' is not a valid id" in found
    assert all("\n" not in line for line in found)


def test_parsed_files_carried_to_another_process_are_the_same_data(tmp_path: Path) -> None:
    """The build cache keeps each parsed file as JSON (`ReadCache.export`): the next
    process reads it back without parsing, as the very values the loader makes (numbers
    that remember how they were written included); a changed file is parsed again."""
    from revenue_playbook.definitions.loader import ReadCache, WrittenFloat, WrittenInt

    path = tmp_path / "a.yaml"
    path.write_text("name: Acme\nprice: 1.50\nplus: +5\nlist: [1, 2.5, true, null, x]\n"
                    "nested: {deep: {text: \"a\\u00e9 \\U0001F600\"}}\n")
    first = ReadCache()
    source, problems = first.read(path, tmp_path, Limits(), "a.yaml")
    assert problems == [] and first.parses == 1
    section = json.loads(json.dumps(first.export()))  # as it goes to disk and back

    second = ReadCache()
    assert second.restore(section)
    again, problems = second.read(path, tmp_path, Limits(), "a.yaml")
    assert problems == [] and second.parses == 0
    assert again.data == source.data and again.text == source.text
    assert type(again.data["price"]) is WrittenFloat and str(again.data["price"]) == "1.50"
    assert type(again.data["plus"]) is WrittenInt and str(again.data["plus"]) == "+5"
    # other limits, or other bytes: parsed again
    second.read(path, tmp_path, Limits(max_depth=10), "a.yaml")
    assert second.parses == 1
    path.write_text("name: Other\n")
    assert second.read(path, tmp_path, Limits(), "a.yaml")[0].data == {"name": "Other"}
    assert second.parses == 2


@pytest.mark.parametrize("section", [
    None, [], {"format": 2, "files": {}}, {"format": 1, "files": []},
    {"format": 1, "files": {"k": 5}}, {"format": 1, "files": {}, "more": 1}])
def test_a_parsed_files_section_of_another_shape_is_refused(section: object) -> None:
    from revenue_playbook.definitions.loader import ReadCache

    assert not ReadCache().restore(section)


@pytest.mark.parametrize("planted", [
    "{", "NaN", "[1e999]", '{"\\u0000int": "5"}', '{"\\u0000int": 5}',
    '{"\\u0000float": "x"}', '{"a": {"\\u0000x": 1}}'])
def test_a_planted_parsed_file_is_parsed_again(tmp_path: Path, planted: str) -> None:
    """A cached file whose JSON is not exactly what `export` writes is a miss: the file is
    parsed, never taken as written."""
    from revenue_playbook.definitions.loader import ReadCache

    path = tmp_path / "a.yaml"
    path.write_text("name: Acme\n")
    cache = ReadCache()
    cache.read(path, tmp_path, Limits(), "a.yaml")
    section = cache.export()
    (key,) = section["files"]
    fooled = ReadCache()
    assert fooled.restore({**section, "files": {key: planted}})
    source, problems = fooled.read(path, tmp_path, Limits(), "a.yaml")
    assert fooled.parses == 1 and source.data == {"name": "Acme"} and problems == []
