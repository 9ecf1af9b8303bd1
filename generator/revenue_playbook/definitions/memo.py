"""Results worked out from definitions, kept from one validation to the next.

A ReadCache gives back the very same model objects for a file whose bytes did not change,
and a playbook is only read once assembled. So a result computed from some model objects
(and a few plain values) is still right for as long as those objects are the ones in the
playbook: `serve` and `preview --watch` then check again only what an edit touched."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")


class Memo:
    """Results by kind, by the plain values and by the identity of the objects they were
    worked out from. Kept for one run after their last use, so the memo holds what the
    current playbook needs and nothing that an edit replaced."""

    def __init__(self) -> None:
        self._now: dict[Hashable, tuple[tuple[object, ...], Any]] = {}
        self._before: dict[Hashable, tuple[tuple[object, ...], Any]] = {}
        self._each: dict[str, dict[int, tuple[object, Any]]] = {}
        self.hits = 0  # for tests and benchmarks
        self.misses = 0

    def new_run(self) -> None:
        """Start a validation: what the last one did not use is dropped."""
        self._before, self._now = self._now, {}

    def get(self, kind: str, values: Hashable, objects: tuple[object, ...],
            compute: Callable[[], T]) -> T:
        """`compute()`, or what it gave last time for the same `values` and the very same
        `objects` (held here, so their ids cannot be reused while the entry lives).
        `compute` must depend on nothing else."""
        key = (kind, values, tuple(map(id, objects)))
        kept = self._now.get(key)
        if kept is None:
            kept = self._before.get(key)
        if kept is not None and all(a is b for a, b in zip(kept[0], objects, strict=True)):
            self.hits += 1
            self._now[key] = kept
            return kept[1]  # type: ignore[no-any-return]
        self.misses += 1
        result = compute()
        self._now[key] = (objects, result)
        return result

    def each(self, kind: str, objects: Iterable[object],
             compute: Callable[[Any], T]) -> list[T]:
        """`compute(o)` for each of `objects`, in order, reused for an object given last
        time (the very same object). Cheaper than `get` for thousands of objects: one
        dictionary lookup each. `compute` must read nothing but its object."""
        before = self._each.get(kind, {})
        now: dict[int, tuple[object, Any]] = {}
        results = []
        misses = 0
        for obj in objects:
            key = id(obj)
            kept = before.get(key)
            if kept is None or kept[0] is not obj:
                kept = (obj, compute(obj))
                misses += 1
            now[key] = kept
            results.append(kept[1])
        self.misses += misses
        self.hits += len(results) - misses
        self._each[kind] = now
        return results
