"""The theme's templates compiled once and kept on disk, as the page templates are.

MkDocs makes the theme's Jinja environment afresh in every build and compiles each template
it renders: Material's forty-odd templates cost ~0.18 s CPU in every `playbook build`, more
than a small playbook's pages. Jinja can keep compiled templates (Python byte-code) in a
folder and use them again while the template's source is unchanged (its bytecode cache,
which checks each template's source digest and the Python version). The folder is beside
the diagrams, with one sub-folder per Jinja version and environment setting that changes
what a template compiles to, so that code compiled under other settings is never used.
That folder is inside the page templates' (`.cache/playbook/pages/theme`), which the
generated CI workflow leaves out of its cache: compiled templates are code, a cache is data.

`keep_compiled` is the engine adapter's part (the MkDocs plugin calls it on the theme's
environment); a cache folder it may not write only costs time.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import jinja2


def settings_key(env: jinja2.Environment) -> str:
    """What, besides a template's source, decides its compiled code: Jinja's and Python's
    versions, the environment's extensions and syntax, escaping, `finalize`, gettext style
    and code generator."""
    parts = (jinja2.__version__, sys.version, sorted(env.extensions),
             env.block_start_string, env.block_end_string, env.variable_start_string,
             env.variable_end_string, env.comment_start_string, env.comment_end_string,
             env.line_statement_prefix, env.line_comment_prefix, env.trim_blocks,
             env.lstrip_blocks, env.newline_sequence, env.keep_trailing_newline,
             env.optimized, env.autoescape if isinstance(env.autoescape, bool) else "function",
             getattr(env, "newstyle_gettext", None), env.is_async,
             env.finalize is None, getattr(env.finalize, "jinja_pass_arg", None),
             env.code_generator_class.__qualname__)
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def keep_compiled(env: jinja2.Environment, folder: Path | None) -> None:
    """Have `env`, the theme's environment, keep the templates it compiles under `folder`
    (None: no folder, as when the cache folder is a link). Before any template is loaded:
    MkDocs' `on_env` event."""
    if folder is None or env.bytecode_cache is not None:
        return
    target = folder / settings_key(env)
    try:
        for made in (folder, target):
            made.mkdir(parents=True, exist_ok=True)
            if made.is_symlink():
                return  # the cache never writes outside the project
    except OSError:
        return  # an unwritable cache folder only costs time
    env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(target))


__all__ = ["keep_compiled", "settings_key"]
