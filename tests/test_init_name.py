"""`playbook init --name` never makes a playbook that does not validate: a name with a
control or invisible character, or only spaces, is refused (exit 2) with a clear message
and nothing written; any other name gives definitions that validate."""

from __future__ import annotations

from pathlib import Path

import pytest

from revenue_playbook.checks.validate import validate
from revenue_playbook.cli import main


@pytest.mark.parametrize(("name", "said"), [
    ("Acme\x7f", "--name holds U+007F (a control or invisible character) at character 5"),
    (" ", "--name is empty or only spaces"),
    ("\t \n", "--name is empty or only spaces"),
    ("Acme\u202eCorp", "--name holds U+202E (right-to-left override) at character 5"),
    ("Acme\u200b", "--name holds U+200B (zero width space) at character 5"),
    ("Acme\u2028Corp", "--name holds U+2028 (line separator) at character 5"),
])
def test_a_name_the_playbook_cannot_hold_is_refused(
        name: str, said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "acme"
    assert main(["init", str(target), "--name", name]) == 2
    err = capsys.readouterr().err
    assert said in err and "nothing was written" in err
    assert not target.exists()


@pytest.mark.parametrize("name", ["Zoë & Co. (EMEA)", "株式会社アクメ", "O'Brien \"Sales\" Ltd",
                                  "  Acme  "])
def test_any_other_name_validates(name: str, tmp_path: Path) -> None:
    target = tmp_path / "acme"
    assert main(["init", str(target), "--name", name]) == 0
    result = validate(target / "process_defs")
    assert not result.failed(strict=True), [f"{f.code} {f.message}" for f in result.findings]
    assert result.playbook.company is not None
    assert result.playbook.company.name == name.strip()
