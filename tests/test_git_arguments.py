"""Values that reach git as arguments: a revision, a recorded commit id, a branch. Each is
checked for what it is (`git_calls`), so an option-shaped value never becomes one of git's
options and a path-shaped one is never read as a folder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers import GIT_IDENTITY, MINIMAL, committed_repo, git

from revenue_playbook.cli import main

PRECIOUS = "nothing may overwrite this\n"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key, value in GIT_IDENTITY.items():
        monkeypatch.setenv(key, value)
    repo = committed_repo(tmp_path)
    monkeypatch.chdir(repo)
    return repo


@pytest.fixture
def precious(tmp_path: Path) -> Path:
    path = tmp_path / "precious.txt"
    path.write_text(PRECIOUS)
    return path


@pytest.mark.parametrize("shape", ["--output={file}", "--output", "-o{file}",
                                   "--remote=ext::sh -c 'echo x > {file}'"])
def test_diff_never_hands_a_revision_to_git_as_an_option(
        repo: Path, precious: Path, shape: str, capsys: pytest.CaptureFixture[str]) -> None:
    spec = shape.format(file=precious)
    assert main(["diff", "--", spec]) == 2
    assert precious.read_text() == PRECIOUS
    err = capsys.readouterr().err
    assert "is not a revision" in err
    assert "Traceback" not in err


def test_diff_new_side_is_checked_too(repo: Path, precious: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "HEAD", "--", f"--output={precious}"]) == 2
    assert precious.read_text() == PRECIOUS
    assert "is not a revision" in capsys.readouterr().err


def test_diff_still_reads_revisions_and_folders(repo: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    sla = repo / "process_defs" / "sla.yaml"
    sla.write_text(sla.read_text().replace("response_time: 1bh", "response_time: 2bh"))
    assert main(["diff", "HEAD"]) == 0
    assert "response time (1bh → 2bh)" in capsys.readouterr().out
    head = git(repo, "rev-parse", "HEAD").strip()
    assert main(["diff", head[:10]]) == 0
    assert "response time (1bh → 2bh)" in capsys.readouterr().out
    assert main(["diff", str(MINIMAL), "process_defs"]) == 0
    assert "response time (1bh → 2bh)" in capsys.readouterr().out
    assert main(["diff", "no-such-tag"]) == 2
    assert "'no-such-tag' is neither a folder nor a revision" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["--output=/tmp/x", "/usr", "../outside", "HEAD",
                                   "a" * 39, "A" * 40, "g" * 40, "a" * 41, "", None, 40,
                                   "a" * 40 + "\n"])
def test_a_recorded_commit_id_is_only_ever_a_commit_id(value: object) -> None:
    from revenue_playbook.safety import git_calls

    with pytest.raises(git_calls.GitError, match="is not a commit id"):
        git_calls.check_commit_id(value)


def test_commit_ids_of_both_hash_functions_are_accepted() -> None:
    from revenue_playbook.safety import git_calls

    assert git_calls.check_commit_id("0" * 40) == "0" * 40
    assert git_calls.check_commit_id("ab" * 32) == "ab" * 32


@pytest.mark.parametrize("spec", ["--output=x", "-", "", "HEAD\n--output=x", "a\0b"])
def test_option_shaped_revisions_are_refused_before_git_runs(repo: Path, spec: str) -> None:
    from revenue_playbook.safety import git_calls

    with pytest.raises(git_calls.GitError, match="is not a revision"):
        git_calls.resolve_revision(spec, repo)


@pytest.mark.parametrize("branch", ["--output=x", "-b", "a..b", "a b", "a:b", "refs/../x",
                                    "", "HEAD@{1}"])
def test_branch_names_are_checked(repo: Path, branch: str) -> None:
    from revenue_playbook.safety import git_calls

    with pytest.raises(git_calls.GitError, match="is not a branch name"):
        git_calls.check_branch(branch, repo)


def test_publish_refuses_an_option_shaped_branch(repo: Path, precious: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["publish", "1.0", "-b", f"--output={precious}"]) == 2
    assert main(["publish", "--list", "-b", f"--output={precious}"]) == 2
    assert precious.read_text() == PRECIOUS
    assert "is not a branch name" in capsys.readouterr().err


def _poison(folder: Path, commit: str) -> None:
    versions = json.loads((folder / "versions.json").read_text())
    versions[0]["properties"]["source_commit"] = commit
    (folder / "versions.json").write_text(json.dumps(versions))


@pytest.mark.slow
def test_a_poisoned_source_commit_never_reaches_git_as_an_option(
        repo: Path, tmp_path: Path, precious: Path) -> None:
    out = tmp_path / "www"
    assert main(["publish", "1.0", "--alias", "latest", "--to-dir", str(out)]) == 0
    _poison(out, f"--output={precious}")
    assert main(["publish", "1.1", "--alias", "latest", "--to-dir", str(out)]) == 0
    assert precious.read_text() == PRECIOUS
    page = (out / "1.1" / "changes" / "index.html").read_text()
    assert "recorded a source commit that is not a commit id" in page


@pytest.mark.slow
def test_a_folder_path_as_source_commit_is_never_read(repo: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """A path there (`/usr`, or a folder of planted definitions) is not read as the
    previous version's definitions."""
    planted = tmp_path / "planted"
    shutil.copytree(MINIMAL, planted)
    sales = planted / "sales.yaml"
    sales.write_text(sales.read_text().replace("name: Proposal\n", "name: Planted stage\n"))
    out = tmp_path / "www"
    assert main(["publish", "1.0", "--alias", "latest", "--to-dir", str(out)]) == 0
    for version, poison in (("1.1", str(planted)), ("1.2", "/usr")):
        _poison(out, poison)
        assert main(["publish", version, "--alias", "latest", "--to-dir", str(out)]) == 0
        page = (out / version / "changes" / "index.html").read_text()
        assert "Planted stage" not in page
        assert "recorded a source commit that is not a commit id" in page
        # and the terminal does not say "0 change(s) since 1.0"
        said = capsys.readouterr().out
        assert f"Published {version} " in said and "cannot be listed" in said, said
