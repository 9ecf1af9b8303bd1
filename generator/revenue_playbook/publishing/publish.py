"""Publishing versions of the playbook with mike, each with a "What changed" page.

Every published version records the commit its definitions came from (a mike version
property), so the next version can say what changed by meaning: the definitions at that
commit are diffed against the ones being published. An adapter: it builds with
`mkdocs_runner` (the page and the version handed over as arguments) and commits with mike's
Python API, in this process: no second MkDocs run and no temporary mkdocs.yml in the repo.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..checks.validate import validate
from ..definitions.diff import Change, changes_to_markdown, diff_playbooks
from ..definitions.revisions import RevisionError, current_commit, definitions_at_commit
from ..engines.mkdocs import runner as mkdocs_runner
from ..engines.mkdocs.plugin import InvalidDefinitions
from ..safety import git_calls, safe_writes
from . import publish_folder
from .published_versions import BadName, check_names, previous_version

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
    change_list: list[Change] = field(default_factory=list)  # for the chat announcement
    listed: bool = True  # False: the changes since `previous` could not be listed


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


LISTED = "Changes since version"  # how a page that could list the changes starts


def changes_page(repo: Path, defs: Path, previous: dict[str, Any] | None,
                 version: str) -> tuple[str, list[Change]]:
    """The Markdown of the "What changed" page, and the changes it lists."""
    if previous is None:
        return (f"This is the first published version of the playbook ({version}): there "
                "is no earlier version to compare it with.\n", [])
    commit = (previous.get("properties") or {}).get("source_commit")
    title = previous.get("title") or previous["version"]
    if not commit:
        return (f"Version {title} did not record where its definitions came from, so the "
                "changes since it cannot be listed.\n", [])
    if not isinstance(commit, str) or not git_calls.COMMIT_ID.fullmatch(commit):
        # versions.json is in the publish folder or on the pages branch: whoever can write
        # there must not make us read a folder (`/usr`) or hand git an option
        return (f"Version {title} recorded a source commit that is not a commit id, so the "
                "changes since it cannot be listed.\n", [])
    try:
        with definitions_at_commit(commit, defs) as old_root:
            before = validate(old_root).playbook
    except RevisionError as exc:
        return (f"The definitions of version {title} (commit {commit[:12]}) could not be "
                f"read: {exc}\n", [])
    changes = diff_playbooks(before, validate(defs).playbook)
    intro = f"{LISTED} **{title}**, by what they mean for the team.\n\n"
    return intro + changes_to_markdown(changes), changes


def definitions_folder(config_file: Path) -> Path:
    try:
        config = yaml.load(config_file.read_text(encoding="utf-8"), Loader=_AnyTagLoader)
    except (OSError, yaml.YAMLError) as exc:
        raise PublishError(f"cannot read {config_file}: {exc}") from None
    for plugin in (config or {}).get("plugins", []):
        if isinstance(plugin, dict) and "playbook" in plugin:
            return config_file.parent / (plugin["playbook"] or {}).get(
                "defs", safe_writes.DEFINITIONS_FOLDER)
    return config_file.parent / safe_writes.DEFINITIONS_FOLDER


def site_url(config_file: Path) -> str:
    """The site's address from mkdocs.yml (`site_url`), or "" when it has none."""
    try:
        config = yaml.load(config_file.read_text(encoding="utf-8"), Loader=_AnyTagLoader)
    except (OSError, yaml.YAMLError):
        return ""
    url = config.get("site_url") if isinstance(config, dict) else None
    return url if isinstance(url, str) else ""


class _AnyTagLoader(yaml.SafeLoader):
    """mkdocs.yml may hold tags such as !ENV: read them as plain values."""


_AnyTagLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def publish(version: str, config_file: Path, aliases: list[str], title: str | None,
            branch: str, push: bool, to_dir: Path | None = None,
            notes: list[str] | None = None) -> Published:
    """Build `version` with its "What changed" page and deploy it next to the others.

    Names are checked first (`published_versions`); what an interrupted publish left is
    repaired (`notes` says what was done); Ctrl-C raises `PublishInterrupted`, saying
    whether the version was published.
    """
    aliases = list(dict.fromkeys(aliases))
    notes = notes if notes is not None else []
    try:
        check_names(version, aliases, [])
    except BadName as exc:
        raise PublishError(str(exc)) from None
    repo = config_file.resolve().parent
    defs = definitions_folder(config_file)
    commit = current_commit(repo)
    stamp = mkdocs_runner.reproducible_env(repo).get("SOURCE_DATE_EPOCH")
    if stamp:  # the same sources give the same bytes: the build date is the last commit's
        os.environ.setdefault("SOURCE_DATE_EPOCH", stamp)
    entry: dict[str, Any] = {"version": version, "title": title or version,
                             "aliases": aliases}
    if commit:
        entry["properties"] = {"source_commit": commit}
    default = aliases[0] if aliases else version
    compared: dict[str, Any] = {}

    def build(versions: list[dict[str, Any]], site_dir: Path) -> None:
        previous = previous_version(versions, version)
        markdown, changes = changes_page(repo, defs, previous, version)
        compared.update(previous=previous["version"] if previous else None, changes=changes,
                        listed=previous is None or markdown.startswith(LISTED))
        try:
            mkdocs_runner.render(config_file, site_dir, changes=markdown, version=version)
        except (mkdocs_runner.BuildFailed, InvalidDefinitions) as exc:
            raise PublishError(f"the build failed: {exc}") from None

    if to_dir is not None:
        try:
            safe_writes.check_target(to_dir, safe_writes.project_sources(
                config_file=config_file, defs=defs), "the published site")
        except safe_writes.Refused as exc:
            raise PublishError(str(exc)) from None
        _publish_to_folder(to_dir, entry, default, build, notes)
    else:
        _publish_with_mike(repo, branch, push, entry, default, build)
    return Published(version, compared["previous"], len(compared["changes"]),
                     compared["changes"], compared["listed"])


class PublishInterrupted(Exception):
    """Ctrl-C or SIGTERM stopped a publish; the message says what is published."""


def _publish_to_folder(to_dir: Path, entry: dict[str, Any], default: str,
                       build: Callable[[list[dict[str, Any]], Path], None],
                       notes: list[str]) -> None:
    version = entry["version"]
    try:
        with publish_folder.session(to_dir, notes) as versions:
            publish_folder.publish(to_dir, versions, entry, default,
                                   lambda staging: build(versions, staging))
    except publish_folder.FolderError as exc:
        raise PublishError(str(exc)) from None
    except safe_writes.InterruptedAfter:  # the switch runs with Ctrl-C held: it finished
        raise PublishInterrupted(f"Interrupted, after {version} was published to "
                                 f"{to_dir} (the switch to it was completed)") from None
    except KeyboardInterrupt:
        raise PublishInterrupted(f"Interrupted before {version} was published: {to_dir} "
                                 "is as it was") from None


def _publish_with_mike(repo: Path, branch: str, push: bool, entry: dict[str, Any],
                       default: str, build: Callable[[list[dict[str, Any]], Path], None]
                       ) -> None:
    """mike's deploy and set-default, with our build in the middle (mike's own `deploy`
    command would run `mkdocs build` again through a temporary copy of mkdocs.yml), both
    commits with Ctrl-C held. Publishes to one repository take turns."""
    from mike import commands, git_utils

    version, aliases = entry["version"], entry["aliases"]
    try:
        git_calls.check_branch(branch, repo)
        git_dir = git_calls.git_dir(repo)
    except git_calls.GitError as exc:
        raise PublishError(str(exc)) from None
    with contextlib.chdir(repo), safe_writes.locked(git_dir, lambda: print(
            f"Waiting for another publish to branch {branch} to finish...", flush=True)), \
            tempfile.TemporaryDirectory(prefix="playbook-") as tmp:
        site = Path(tmp) / "site"
        tip = _tip(branch)
        try:
            git_utils.update_from_upstream(REMOTE, branch)
            versions = _branch_versions(branch)
            check_names(version, aliases, versions)
            props = [("source_commit", entry["properties"]["source_commit"])] \
                if "properties" in entry else []
            deploy = commands.deploy({"site_dir": str(site), "use_directory_urls": True},
                                     version, entry["title"], aliases, update_aliases=True,
                                     branch=branch, set_props=props)
            deploy.__enter__()
            try:
                build(versions, site)
            except BaseException as exc:  # mike's deploy ends without a commit
                with contextlib.suppress(BaseException):
                    deploy.__exit__(type(exc), exc, exc.__traceback__)
                raise
            with safe_writes.signals_deferred():
                # the commit of the version, then of the root page; an empty one means the
                # same bytes are there already (builds are reproducible)
                with contextlib.suppress(git_utils.GitEmptyCommit):
                    deploy.__exit__(None, None, None)
                with contextlib.suppress(git_utils.GitEmptyCommit):
                    commands.set_default(default, branch=branch)
            if push:
                git_utils.push_branch(REMOTE, branch)
        except KeyboardInterrupt:
            raise PublishInterrupted(_what_is_published(branch, tip, entry, default)) \
                from None
        except (git_utils.GitError, ValueError) as exc:
            raise PublishError(str(exc)) from None


def _tip(branch: str) -> str | None:
    from mike import git_utils

    try:
        return git_utils.get_latest_commit(branch)
    except git_utils.GitError:
        return None


def _branch_versions(branch: str) -> list[dict[str, Any]]:
    from mike import commands

    try:
        return commands.list_versions(branch).to_json()  # type: ignore[no-any-return]
    except ValueError as exc:  # a damaged versions.json on the branch
        raise PublishError(f"versions.json on branch {branch} cannot be read ({exc}): "
                           "fix it with a commit on that branch") from None


def _what_is_published(branch: str, tip_before: str | None, entry: dict[str, Any],
                       default: str) -> str:
    """After Ctrl-C, what the branch says (git's own children may have been interrupted
    too, so nothing is assumed)."""
    from mike import git_utils

    version = entry["version"]
    if _tip(branch) == tip_before:
        return f"Interrupted before {version} was published: branch {branch} is as it was"
    try:
        versions = _branch_versions(branch)
        root = git_utils.read_file(branch, "index.html", universal_newlines=True)
    except (PublishError, git_utils.GitError):
        versions, root = [], ""
    mine = any(v.get("version") == version and v.get("properties") == entry.get("properties")
               for v in versions)
    if not mine:
        return f"Interrupted: branch {branch} changed, but {version} is not listed on it"
    if f'"{default}/"' not in root:
        return (f"Interrupted, after {version} was published to branch {branch}, but before "
                f"the default version was set to {default}: run the same command again "
                "to finish")
    return f"Interrupted, after {version} was published to branch {branch}"


def mike_passthrough(args: list[str], config_file: Path, branch: str,
                     names: tuple[str, ...] = ()) -> str:
    """`playbook publish --list` / `--delete`: mike's own answer. `args` are mike's command
    and its options; `names` (versions to delete) are checked as plain names first."""
    repo = config_file.resolve().parent
    try:
        git_calls.check_branch(branch, repo)
        for name in names:
            check_names(name, [], [])
    except (git_calls.GitError, BadName) as exc:
        raise PublishError(str(exc)) from None
    return _run([*_MIKE, *args, "-F", str(config_file), "-b", branch, *names],
                repo, mkdocs_runner.reproducible_env(repo))
