"""Definitions are frozen once read: the page and check memos keep what they made from an
object and trust that the object still says the same, so changing one in place would show
a stale page. A change is a new object (`model_copy(update=...)`)."""

from __future__ import annotations

import pydantic
import pytest
from helpers import EXAMPLE

from revenue_playbook.checks.validate import validate
from revenue_playbook.definitions.model import Node, walk


def test_every_definition_of_the_example_refuses_a_change() -> None:
    playbook = validate(EXAMPLE).playbook
    nodes = list(walk(playbook))
    assert len({type(node) for node in nodes}) > 20  # the walk reaches every kind
    for node in nodes:
        name = next(iter(type(node).model_fields))
        before = getattr(node, name)
        with pytest.raises(pydantic.ValidationError) as raised:
            setattr(node, name, before)
        assert raised.value.errors()[0]["type"] == "frozen_instance"
        assert getattr(node, name) is before


def test_a_changed_definition_is_a_new_object_and_keeps_its_place() -> None:
    playbook = validate(EXAMPLE).playbook
    campaign = playbook.campaigns["benchmark_guide"]
    changed = campaign.model_copy(update={"launch": None})
    assert changed is not campaign and changed.launch is None
    assert campaign.launch is not None
    assert changed.where("launch") == campaign.where("launch")  # still says where it is
    assert isinstance(changed, Node)
