"""AMP, mobile and print views of a page share the page's canonical URL (and so its document id)."""

from __future__ import annotations

import hashlib

import pytest

from pipeline.urls import canonical_url, doc_id, legacy_doc_id

PAGE = "https://news.example.com/world/2021/04/26/sanctions-story"


@pytest.mark.parametrize(
    "view",
    [
        "https://news.example.com/amp/world/2021/04/26/sanctions-story",
        "https://news.example.com/world/2021/04/26/sanctions-story/amp",
        "https://news.example.com/world/2021/04/26/sanctions-story?amp",
        "https://news.example.com/world/2021/04/26/sanctions-story?amp=1",
        "https://amp.news.example.com/world/2021/04/26/sanctions-story",
        "https://m.news.example.com/world/2021/04/26/sanctions-story",
        "https://mobile.news.example.com/world/2021/04/26/sanctions-story",
        "https://news.example.com/print/world/2021/04/26/sanctions-story",
        "https://news.example.com/world/2021/04/26/sanctions-story?print=1",
        "https://news.example.com/world/2021/04/26/sanctions-story?output=print",
        "https://M.News.Example.com/world/2021/04/26/sanctions-story?outputType=amp&utm_source=x",
    ],
)
def test_views_of_a_page_are_the_page(view: str) -> None:
    assert canonical_url(view) == PAGE
    assert doc_id(view) == doc_id(PAGE)
    # Before the rule the view had an id of its own: a document stored then keeps it.
    assert legacy_doc_id(view) != doc_id(view)
    assert legacy_doc_id(view) == hashlib.sha256(canonical_url(view, variants=False).encode()).hexdigest()


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/camp/2021/story",  # a segment that only contains "amp"
        "https://example.com/story?amplify=1",
        "https://example.com/story?print=false",
        "https://example.com/story?output=json",
        "https://m.com/story",  # "m." is the whole name here, not a mobile prefix
        "https://www.mea.gov.in/media-briefings.htm?dtl/36359/Title",
        "https://mfa.example.org/printing/2021/story",
    ],
)
def test_other_urls_keep_their_canonical_form_and_id(url: str) -> None:
    assert canonical_url(url) == canonical_url(url, variants=False)
    assert doc_id(url) == legacy_doc_id(url)


def test_a_path_that_was_only_a_view_becomes_the_root() -> None:
    assert canonical_url("https://example.com/amp") == "https://example.com/"
    assert canonical_url("https://example.com/news/print/") == "https://example.com/news/"
