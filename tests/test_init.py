"""`playbook init`: a new playbook that validates and builds out of the box."""

from __future__ import annotations

from pathlib import Path

import pytest

from revenue_playbook.cli import main


def test_init_validates_and_builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init", "acme-corp"]) == 0
    assert "cd acme-corp && make serve" in capsys.readouterr().out
    repo = tmp_path / "acme-corp"
    for path in ["mkdocs.yml", "Makefile", "README.md", ".gitignore",
                 ".github/workflows/playbook.yml", "playbook/about.md",
                 "process_defs/sla.yaml", "process_defs/templates/hello.yaml",
                 "process_defs/campaigns/launch.yaml", "schemas/playbook.schema.json"]:
        assert (repo / path).is_file(), path
    assert (repo / "mkdocs.yml").read_text().startswith('site_name: "Acme Corp playbook"')
    assert 'name: "Acme Corp"' in (repo / "process_defs" / "team.yaml").read_text()
    # this checkout is installed editable: the repository carries a wheel of it
    (wheel,) = (repo / "vendor").glob("revenue_playbook-*-py3-none-any.whl")
    for path in ["Makefile", ".github/workflows/playbook.yml"]:
        text = (repo / path).read_text()
        assert f"./vendor/{wheel.name}" in text, path
        assert "pip install playbook" not in text and "file://" not in text, path
    monkeypatch.chdir(repo)
    assert main(["validate", "--strict"]) == 0
    assert main(["build", "--strict"]) == 0
    assert (repo / "site" / "stages" / "discovery" / "index.html").is_file()
    assert (repo / "site" / "print_page" / "index.html").is_file()


def test_init_never_overwrites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "existing"
    (target / "process_defs").mkdir(parents=True)
    (target / "mkdocs.yml").write_text("site_name: mine\n")
    assert main(["init", str(target)]) == 2
    assert "already has mkdocs.yml; nothing was written" in capsys.readouterr().err
    assert (target / "mkdocs.yml").read_text() == "site_name: mine\n"
    assert list((target / "process_defs").iterdir()) == []
