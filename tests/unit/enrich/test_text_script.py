"""Traditional Chinese read as simplified (pipeline.enrich.text.simplified): same length, so offsets hold."""

from __future__ import annotations

import pytest

from pipeline.enrich.text import simplified


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("林劍週二強調：「中國將奉陪到底」", "林剑周二强调：「中国将奉陪到底」"),
        ("瞭解", "了解"),
        ("中方将采取必要措施", "中方将采取必要措施"),
        ("No Chinese here, Лавров", "No Chinese here, Лавров"),
        ("", ""),
    ],
)
def test_traditional_characters_become_simplified_and_the_length_holds(text: str, expected: str) -> None:
    assert simplified(text) == expected
    assert len(simplified(text)) == len(text)
