"""The one rule for every command that writes (`safe_writes`): never the project's sources,
never a folder Playbook did not make, never through a symbolic link, nothing partial, and
an export never removes a file saved while it ran. Each case is one the adversarial pass
found (issues 21 and 28)."""

from __future__ import annotations

import errno
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import GIT_IDENTITY, MINIMAL, ROOT, git, make_repo

from revenue_playbook.cli import main


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A playbook repository (mkdocs.yml, docs, definitions, pyproject.toml, .git) as the
    current folder, with a folder `outside` beside it."""
    for key, value in GIT_IDENTITY.items():
        monkeypatch.setenv(key, value)
    repo = make_repo(tmp_path)
    (repo / "playbook" / "index.md").write_text("# Home\n")
    (repo / "pyproject.toml").write_text("[tool.playbook]\nsubject_max = 60\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "one")
    (tmp_path / "outside").mkdir()
    monkeypatch.chdir(repo)
    return repo


def tree(root: Path) -> dict[str, bytes | str]:
    """Every path under `root` with its bytes (a link: where it points; a folder: "/")."""
    found: dict[str, bytes | str] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            key = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[key] = "-> " + os.readlink(path)
            elif path.is_dir():
                found[key] = "/"
            else:
                found[key] = path.read_bytes()
    return found


@pytest.mark.parametrize("out", [".", "{repo}", "process_defs", "playbook", ".git", "..",
                                 "process_defs/asana", ".git/asana"])
def test_export_never_replaces_the_sources(repo: Path, out: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    out = out.format(repo=repo)  # `--out "$PWD" --force` replaced the whole project
    before = tree(repo.parent)
    assert main(["export", "asana", "--out", out, "--force"]) == 2
    err = capsys.readouterr().err
    assert f"refusing to write the export to {out}" in err
    assert str(repo) in err  # the source it would have hit, by its full path
    assert tree(repo.parent) == before


@pytest.mark.parametrize("site", [".", "process_defs", "playbook", ".git", "..",
                                  "playbook/site", "mkdocs.yml"])
def test_build_never_replaces_the_sources(repo: Path, site: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    before = tree(repo.parent)
    assert main(["build", "-d", site]) == 2
    err = capsys.readouterr().err
    assert f"refusing to write the site to {site}" in err or "'mkdocs.yml' is a file" in err
    assert tree(repo.parent) == before


def test_a_site_folder_in_the_config_is_checked_too(repo: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    config = repo / "mkdocs.yml"
    config.write_text(config.read_text() + "site_dir: process_defs\n")
    before = tree(repo.parent)
    assert main(["build"]) == 2
    assert "it is the definitions folder" in capsys.readouterr().err
    assert tree(repo.parent) == before


@pytest.mark.slow
def test_build_replaces_only_a_folder_it_made(repo: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """A folder of someone else's (`~/Documents`) is never replaced; the site Playbook built
    is, build after build, until someone saves a file of their own in it."""
    documents = tmp_path / "outside" / "Documents"
    documents.mkdir()
    (documents / "taxes.pdf").write_bytes(b"%PDF")
    assert main(["build", "-d", str(documents)]) == 2
    assert "Playbook did not make it (it holds taxes.pdf)" in capsys.readouterr().err
    assert tree(documents) == {"taxes.pdf": b"%PDF"}

    assert main(["build", "-d", "site"]) == 0
    manifest = json.loads((repo / "site" / ".playbook-manifest.json").read_text())
    assert "index.html" in manifest["entries"]
    assert main(["build", "-d", "site"]) == 0  # its own earlier site: replaced
    (repo / "site" / "CNAME").write_text("playbook.example.com\n")
    capsys.readouterr()
    assert main(["build", "-d", "site"]) == 2
    assert "holds files Playbook did not write there (CNAME)" in capsys.readouterr().err
    assert (repo / "site" / "CNAME").is_file()


def test_export_force_replaces_only_an_earlier_export(repo: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "outside" / "crm"
    assert main(["export", "asana", "--out", str(out)]) == 0
    first = tree(out)
    assert main(["export", "asana", "--out", str(out), "--force"]) == 0
    assert tree(out) == first
    (out / "notes.txt").write_text("mine")
    assert main(["export", "asana", "--out", str(out), "--force"]) == 2
    assert "holds files Playbook did not write there (notes.txt)" in capsys.readouterr().err
    assert (out / "notes.txt").read_text() == "mine"


def test_leftovers_of_older_runs_are_cleaned(repo: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """What an export of an earlier version left when it failed or was killed: a
    half-written `.OUT.partial-*` and a replaced folder kept in `.OUT.old-*`."""
    parent = tmp_path / "outside"
    assert main(["export", "asana", "--out", str(parent / "crm")]) == 0
    (parent / ".crm.partial-abcd1234").mkdir()
    (parent / ".crm.partial-abcd1234" / "half.csv").write_text("x")
    (parent / ".crm.old-0123abcd" / "x").mkdir(parents=True)
    (parent / ".crm.old-0123abcd" / "x" / "old.csv").write_text("y")
    (parent / ".crm-new-zzzz9999").mkdir()
    (parent / ".other.partial-abcd1234").mkdir()  # another folder's: not ours to touch
    assert main(["export", "asana", "--out", str(parent / "crm"), "--force"]) == 0
    assert sorted(p.name for p in parent.iterdir()) == [".other.partial-abcd1234", "crm"]
    assert "removed .crm.partial-abcd1234, left by an interrupted run" in \
        capsys.readouterr().err


def test_leftovers_of_an_export_into_the_current_folder_are_cleaned(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`export --out .` of earlier versions left `..old-*` (empty: the folder could not be
    moved aside) and, when killed, `..partial-*` in the folder it ran in."""
    (repo / "..old-abcd1234").mkdir()
    (repo / "..partial-0123abcd").mkdir()
    (repo / "..partial-0123abcd" / "half.csv").write_text("x")
    (repo / "..old-keepme12").mkdir()
    (repo / "..old-keepme12" / "x").write_text("something")  # not empty: not ours to judge
    assert main(["export", "asana"]) == 0
    assert not (repo / "..old-abcd1234").exists()
    assert not (repo / "..partial-0123abcd").exists()
    assert (repo / "..old-keepme12" / "x").is_file()
    assert "removed ..old-abcd1234, left by an interrupted run" in capsys.readouterr().err


# ---- the export race (issue 28) ----


def test_a_file_saved_while_the_export_runs_is_never_removed(
        repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The folder was empty when checked; a file saved in it while the export is being
    written (here: as the export writes its first file) makes the swap refuse."""
    out = tmp_path / "outside" / "crm"
    out.mkdir()
    real = Path.write_bytes
    saved = []

    def write_and_save(self: Path, data: bytes) -> int:
        if not saved:
            saved.append((out / "plan.txt").write_text("saved meanwhile"))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", write_and_save)
    assert main(["export", "asana", "--out", str(out)]) == 2
    assert f"{out} changed while Playbook was writing (plan.txt)" in capsys.readouterr().err
    assert tree(out) == {"plan.txt": b"saved meanwhile"}
    assert [p.name for p in out.parent.iterdir()] == ["crm"]  # no staging folder left


def test_a_file_saved_just_before_the_exchange_is_put_back(
        repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Saved after the last check and before the folders are exchanged: the folder
    exchanged out is compared too, and exchanged back."""
    from revenue_playbook.safety import safe_writes

    out = tmp_path / "outside" / "crm"
    out.mkdir()
    real = safe_writes.exchange
    calls = []

    def save_then_exchange(first: Path, second: Path) -> None:
        if not calls:
            (out / "plan.txt").write_text("saved meanwhile")
        calls.append(1)
        real(first, second)

    monkeypatch.setattr(safe_writes, "exchange", save_then_exchange)
    assert main(["export", "asana", "--out", str(out)]) == 2
    assert "changed while Playbook was writing (plan.txt)" in capsys.readouterr().err
    assert tree(out) == {"plan.txt": b"saved meanwhile"}
    assert len(calls) == 2  # exchanged, then back


def test_without_renameat2_the_race_is_caught_too(
        repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from revenue_playbook.safety import safe_writes

    out = tmp_path / "outside" / "crm"
    out.mkdir()

    def no_exchange(first: Path, second: Path) -> None:
        (out / "plan.txt").write_text("saved meanwhile")
        raise OSError(errno.EINVAL, "not supported here")

    monkeypatch.setattr(safe_writes, "exchange", no_exchange)
    assert main(["export", "asana", "--out", str(out)]) == 2
    assert "changed while Playbook was writing (plan.txt)" in capsys.readouterr().err
    assert tree(out) == {"plan.txt": b"saved meanwhile"}
    assert [p.name for p in out.parent.iterdir()] == ["crm"]


# ---- init: no write through a link, nothing written unless all of it can be ----


@pytest.fixture
def planted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "new"
    target.mkdir()
    (tmp_path / "outside").mkdir()
    yield target


def test_init_never_writes_through_a_dangling_link(planted: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    (planted / "mkdocs.yml").symlink_to(tmp_path / "outside" / "planted.yml")
    assert main(["init", str(planted)]) == 2
    assert "already has mkdocs.yml (a symbolic link); nothing was written" in \
        capsys.readouterr().err
    assert list((tmp_path / "outside").iterdir()) == []
    assert [p.name for p in planted.iterdir()] == ["mkdocs.yml"]


def test_init_never_writes_into_a_linked_folder(planted: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    (planted / "process_defs").symlink_to(tmp_path / "outside", target_is_directory=True)
    assert main(["init", str(planted)]) == 2
    assert "process_defs (a symbolic link)" in capsys.readouterr().err
    assert list((tmp_path / "outside").iterdir()) == []
    assert [p.name for p in planted.iterdir()] == ["process_defs"]


def test_init_writes_nothing_where_a_folder_is_a_file(planted: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    (planted / "schemas").write_text("not a folder")
    assert main(["init", str(planted)]) == 2
    assert "schemas (a file where a folder belongs)" in capsys.readouterr().err
    assert tree(planted) == {"schemas": b"not a folder"}


def test_a_failed_init_leaves_nothing(planted: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """The disk fills up at the tenth file: the nine before it go too."""
    (planted / "notes.md").write_text("mine")
    real = os.fdopen
    count = [0]

    def full_disk(fd: int, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        count[0] += 1
        if count[0] == 10:
            os.close(fd)
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "fdopen", full_disk)
    monkeypatch.setattr(Path, "write_text", _fail_tenth(Path.write_text))
    assert main(["init", str(planted)]) == 2
    assert "No space left on device" in capsys.readouterr().err
    assert tree(planted) == {"notes.md": b"mine"}


def _fail_tenth(real):  # type: ignore[no-untyped-def]
    """The same failure for the code before this rule, which wrote with Path.write_text."""
    count = [0]

    def write_text(self: Path, *args: object, **kwargs: object) -> int:
        count[0] += 1
        if count[0] == 10:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, *args, **kwargs)  # type: ignore[no-any-return]

    return write_text


def test_init_into_a_new_folder_appears_whole(planted: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A new folder is written aside and renamed into place: interrupted, there is no
    half project (and no staging folder) left."""
    real = os.fdopen
    count = [0]

    def interrupted(fd: int, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        count[0] += 1
        if count[0] == 5:
            os.close(fd)
            raise KeyboardInterrupt
        return real(fd, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "fdopen", interrupted)
    assert main(["init", "acme"]) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new", "outside"]
    monkeypatch.setattr(os, "fdopen", real)
    assert main(["init", "acme"]) == 0
    assert (tmp_path / "acme" / "process_defs" / "sla.yaml").is_file()


def test_init_inside_a_project_is_refused(repo: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    before = tree(repo.parent)
    for target in ["process_defs/new", ".git/new", "playbook", ".."]:
        assert main(["init", target]) == 2
        assert f"refusing to write a new playbook to {target}" in capsys.readouterr().err
    assert tree(repo.parent) == before


# ---- publish --to-dir, schema, preview ----


def test_publish_never_writes_into_a_folder_of_someone_elses(
        repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    www = tmp_path / "outside" / "www"
    www.mkdir()
    (www / "index.html").write_text("<h1>My own homepage</h1>")
    assert main(["publish", "1.0", "--to-dir", str(www)]) == 2
    assert "it holds files Playbook did not publish (index.html)" in capsys.readouterr().err
    assert tree(www) == {"index.html": b"<h1>My own homepage</h1>"}
    for folder in [".", "playbook", "process_defs", ".git"]:
        before = tree(repo.parent)
        assert main(["publish", "1.0", "--to-dir", folder]) == 2
        assert f"refusing to write the published site to {folder}" in capsys.readouterr().err
        assert tree(repo.parent) == before


@pytest.mark.parametrize("args", [["schema", "-o", "mkdocs.yml"],
                                  ["schema", "-o", "pyproject.toml"],
                                  ["schema", "-o", "process_defs/sla.yaml"],
                                  ["schema", "--all", "process_defs"],
                                  ["schema", "--all", "."],
                                  ["preview", "template", "hello", "--html", "mkdocs.yml"],
                                  ["preview", "template", "hello", "--html",
                                   "playbook/index.md"]])
def test_single_file_outputs_never_replace_the_sources(
        repo: Path, args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    before = tree(repo.parent)
    assert main(args) == 2
    assert "refusing to write the" in capsys.readouterr().err
    assert tree(repo.parent) == before


def test_schema_all_leaves_other_files_alone(repo: Path, tmp_path: Path) -> None:
    folder = tmp_path / "outside" / "schemas"
    folder.mkdir()
    (folder / "mine.json").write_text("{}")
    assert main(["schema", "--all", str(folder)]) == 0
    assert (folder / "mine.json").read_text() == "{}"
    assert (folder / "playbook.schema.json").is_file()
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_the_example_repository_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """The cases as the issue gives them, on a copy of this repository."""
    copy = tmp_path / "copy"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(
        ".venv", "site", ".cache", "*.egg-info", "__pycache__", ".pytest_cache", "tests",
        "benchmarks", ".mypy_cache", ".hypothesis"))
    monkeypatch.chdir(copy)
    before = tree(copy)
    for args in (["export", "asana", "--out", ".", "--force"],
                 ["export", "asana", "--out", "process_defs", "--force"],
                 ["build", "-d", "."], ["build", "-d", "process_defs"],
                 ["build", "-d", "playbook"]):
        assert main(args) == 2, args
        assert "refusing to write" in capsys.readouterr().err
    assert tree(copy) == before
    assert MINIMAL.is_dir()
