"""Publishing versions of the playbook with mike, each with a "What changed" page.

Every published version records the commit its definitions came from (a mike version
property), so the next version can say what changed by meaning: the definitions at that
commit are diffed against the ones being published. An adapter: it builds with
`mkdocs_runner` (the page and the version handed over as arguments) and commits with mike's
Python API, in this process: no second MkDocs run and no temporary mkdocs.yml in the repo.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from . import mkdocs_runner
from .diff import changes_to_markdown, diff_playbooks
from .revisions import RevisionError, current_commit, definitions_at
from .validate import validate

# mike, run by the interpreter running us (it has no `python -m mike`)
_MIKE = [sys.executable, "-c", "import sys; from mike.driver import main; sys.exit(main())"]
REMOTE = "origin"  # mike's default remote: `--push` pushes the branch there


class PublishError(Exception):
    """Publishing failed: git, mike or the folder said no."""


@dataclass
class Published:
    version: str
    previous: str | None
    changes: int


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    try:
        proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=900,
                              env=env)
    except FileNotFoundError as exc:
        raise PublishError(f"{args[0]} is not installed: {exc}") from None
    except subprocess.TimeoutExpired:
        raise PublishError(f"{' '.join(args[:3])} took too long") from None
    if proc.returncode != 0:
        raise PublishError((proc.stderr or proc.stdout).strip() or
                           f"{' '.join(args[:3])} failed")
    return proc.stdout


def reproducible_env(repo: Path) -> dict[str, str]:
    """The environment for a build whose bytes depend only on the sources: the build date
    is the last commit's date unless SOURCE_DATE_EPOCH says otherwise."""
    env = dict(os.environ)
    env.setdefault("NO_MKDOCS_2_WARNING", "1")
    # mike runs `mkdocs` from PATH: make it the one installed beside us
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    if "SOURCE_DATE_EPOCH" not in env:
        try:
            stamp = _run(["git", "log", "-1", "--format=%ct"], repo).strip()
        except PublishError:
            stamp = ""
        if stamp:
            env["SOURCE_DATE_EPOCH"] = stamp
    return env


def read_versions(repo: Path, branch: str | None = None,
                  folder: Path | None = None) -> list[dict[str, Any]]:
    """mike's versions.json, from the branch or from a plain folder ([] if none yet)."""
    if folder is not None:
        path = folder / "versions.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []
    try:
        text = _run(["git", "show", f"{branch}:versions.json"], repo)
    except PublishError:
        return []
    return json.loads(text)


def previous_version(versions: list[dict[str, Any]], new: str) -> dict[str, Any] | None:
    """The version a new one is compared with: the one called `latest`, else the newest."""
    others = [v for v in versions if v.get("version") != new]
    for entry in others:
        if "latest" in entry.get("aliases", []):
            return entry
    return others[0] if others else None


def changes_page(repo: Path, defs: Path, previous: dict[str, Any] | None,
                 version: str) -> tuple[str, int]:
    """The Markdown of the "What changed" page, and how many changes it lists."""
    if previous is None:
        return (f"This is the first published version of the playbook ({version}): there "
                "is no earlier version to compare it with.\n", 0)
    commit = (previous.get("properties") or {}).get("source_commit")
    title = previous.get("title") or previous["version"]
    if not commit:
        return (f"Version {title} did not record where its definitions came from, so the "
                "changes since it cannot be listed.\n", 0)
    try:
        with definitions_at(commit, defs) as old_root:
            before = validate(old_root).playbook
    except RevisionError as exc:
        return (f"The definitions of version {title} (commit {commit[:12]}) could not be "
                f"read: {exc}\n", 0)
    changes = diff_playbooks(before, validate(defs).playbook)
    intro = f"Changes since version **{title}**, by what they mean for the team.\n\n"
    return intro + changes_to_markdown(changes), len(changes)


def definitions_folder(config_file: Path) -> Path:
    try:
        config = yaml.load(config_file.read_text(encoding="utf-8"), Loader=_AnyTagLoader)
    except (OSError, yaml.YAMLError) as exc:
        raise PublishError(f"cannot read {config_file}: {exc}") from None
    for plugin in (config or {}).get("plugins", []):
        if isinstance(plugin, dict) and "playbook" in plugin:
            return config_file.parent / (plugin["playbook"] or {}).get("defs", "process_defs")
    return config_file.parent / "process_defs"


class _AnyTagLoader(yaml.SafeLoader):
    """mkdocs.yml may hold tags such as !ENV: read them as plain values."""


_AnyTagLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def publish(version: str, config_file: Path, aliases: list[str], title: str | None,
            branch: str, push: bool, to_dir: Path | None = None) -> Published:
    """Build `version` with its "What changed" page and deploy it next to the others."""
    repo = config_file.resolve().parent
    defs = definitions_folder(config_file)
    versions = read_versions(repo, branch, to_dir)
    previous = previous_version(versions, version)
    markdown, count = changes_page(repo, defs, previous, version)
    commit = current_commit(repo)
    stamp = reproducible_env(repo).get("SOURCE_DATE_EPOCH")
    if stamp:  # the same sources give the same bytes: the build date is the last commit's
        os.environ.setdefault("SOURCE_DATE_EPOCH", stamp)

    def build(site_dir: Path) -> None:
        try:
            mkdocs_runner.build(config_file, site_dir, changes=markdown, version=version)
        except mkdocs_runner.BuildFailed as exc:
            raise PublishError(f"the build failed: {exc}") from None

    if to_dir is not None:
        _publish_to_folder(version, aliases, title, to_dir, commit, versions, build)
    else:
        _publish_with_mike(version, aliases, title, branch, push, commit, repo, build)
    return Published(version, previous["version"] if previous else None, count)


def _publish_with_mike(version: str, aliases: list[str], title: str | None, branch: str,
                       push: bool, commit: str | None, repo: Path,
                       build: Callable[[Path], None]) -> None:
    """mike's deploy and set-default, with our build in the middle (mike's own `deploy`
    command would run `mkdocs build` again through a temporary copy of mkdocs.yml)."""
    from mike import commands, git_utils

    default = aliases[0] if aliases else version
    with contextlib.chdir(repo), tempfile.TemporaryDirectory(prefix="playbook-") as tmp:
        site = Path(tmp) / "site"
        try:
            git_utils.update_from_upstream(REMOTE, branch)
            props = [("source_commit", commit)] if commit else []
            with commands.deploy({"site_dir": str(site), "use_directory_urls": True},
                                 version, title, aliases, update_aliases=True,
                                 branch=branch, set_props=props):
                build(site)
            with contextlib.suppress(git_utils.GitEmptyCommit):  # already the default
                commands.set_default(default, branch=branch)
            if push:
                git_utils.push_branch(REMOTE, branch)
        except (git_utils.GitError, ValueError) as exc:
            raise PublishError(str(exc)) from None


def _publish_to_folder(version: str, aliases: list[str], title: str | None, to_dir: Path,
                       commit: str | None, versions: list[dict[str, Any]],
                       build: Callable[[Path], None]) -> None:
    """The same layout as mike's branch, in a plain folder, for hosts without git."""
    to_dir.mkdir(parents=True, exist_ok=True)
    build(to_dir / version)
    entry: dict[str, Any] = {"version": version, "title": title or version,
                             "aliases": list(aliases)}
    if commit:
        entry["properties"] = {"source_commit": commit}
    kept = []
    for other in versions:
        if other["version"] == version:
            continue
        other = dict(other, aliases=[a for a in other.get("aliases", []) if a not in aliases])
        kept.append(other)
    (to_dir / "versions.json").write_text(json.dumps([entry, *kept], indent=2) + "\n",
                                          encoding="utf-8")
    for alias in aliases:
        target = to_dir / alias
        if target.is_symlink() or target.is_file():
            target.unlink()
        elif target.is_dir():
            shutil.rmtree(target)
        target.mkdir()
        (target / "index.html").write_text(_redirect(f"../{version}/"), encoding="utf-8")
    default = aliases[0] if aliases else version
    (to_dir / "index.html").write_text(_redirect(f"{default}/"), encoding="utf-8")


def _redirect(url: str) -> str:
    return (f'<!doctype html><meta charset="utf-8"><title>Redirecting</title>'
            f'<meta http-equiv="refresh" content="0; url={url}">'
            f'<link rel="canonical" href="{url}"><a href="{url}">{url}</a>\n')


def mike_passthrough(args: list[str], config_file: Path, branch: str) -> str:
    """`playbook publish --list` / `--delete`: mike's own answer."""
    repo = config_file.resolve().parent
    return _run([*_MIKE, *args, "-F", str(config_file), "-b", branch],
                repo, reproducible_env(repo))
