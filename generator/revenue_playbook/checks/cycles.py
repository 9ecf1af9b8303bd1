"""Loop search in a directed graph, shared by the checks of stage flows (PB304) and of
campaign step dependencies."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence


def loop_edges(nodes: Iterable[str],
               successors: Mapping[str, Sequence[str]]) -> Iterator[tuple[list[str], str]]:
    """Every edge that closes a loop, found by depth-first search, as (path, target): the
    path from where the search started to the edge's source, and the node it leads back to.
    Iterative, so a long chain cannot exhaust Python's recursion limit."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    for start in nodes:
        if start in state:
            continue
        stack = [(start, iter(successors.get(start, ())))]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            target = next(children, None)
            if target is None:
                state[node] = 2
                stack.pop()
            elif state.get(target) == 1:
                yield [n for n, _ in stack], target
            elif target not in state:
                state[target] = 1
                stack.append((target, iter(successors.get(target, ()))))
