"""Work in a forked child (``kbsite.beside``): its result, or why it failed, in one line."""

from __future__ import annotations

import os

import pytest

from kbsite import beside

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


class Expected(Exception):
    def __init__(self, message: str) -> None:
        super().__init__("not this text")
        self.message = message


def test_the_result_comes_back() -> None:
    """What the work returns reaches the parent, large or small, and the child is gone."""
    wait = beside.start(lambda: {"pid": os.getpid(), "data": "x" * 300_000})
    result = wait()
    assert result["pid"] != os.getpid() and len(result["data"]) == 300_000


def test_an_expected_failure_gives_its_message() -> None:
    def work() -> None:
        raise Expected("the site folder is read-only")

    with pytest.raises(beside.BesideFailed) as caught:
        beside.start(work, expected=(Expected,))()
    assert caught.value.message == "the site folder is read-only"


def test_any_other_failure_is_named_in_one_line() -> None:
    def work() -> None:
        raise KeyError("kb/a.md")

    with pytest.raises(beside.BesideFailed) as caught:
        beside.start(work, expected=(Expected,))()
    assert caught.value.message == "KeyError: 'kb/a.md'"


def test_a_child_that_dies_without_answering_is_a_failure() -> None:
    with pytest.raises(beside.BesideFailed) as caught:
        beside.start(lambda: os._exit(3))()
    assert caught.value.message == "the process doing it ended with code 3"
