"""Playbook: a sales and marketing process written as YAML, validated and published.

The core (load, model, rules, report, diagrams, pages) knows nothing of MkDocs; the CLI
and the MkDocs plugin are thin adapters over it.
"""

from __future__ import annotations

__version__ = "0.1.0"
