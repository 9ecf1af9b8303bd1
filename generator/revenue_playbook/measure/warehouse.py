"""The measures for a warehouse: the same SQL, compiled by sqlglot from DuckDB's dialect
into another engine's (BigQuery, Snowflake, Spark, Postgres...), to run where the neutral
tables live when the data outgrows one machine."""

from __future__ import annotations

import sqlglot

from .engine import Engine, queries


def compile_queries(engine: Engine, dialect: str) -> dict[str, str]:
    """Every KPI query, in `dialect` (a sqlglot dialect name)."""
    return {name: sqlglot.transpile(sql, read="duckdb", write=dialect, pretty=True)[0]
            for name, sql in queries(engine)}
