"""Shingles, MinHash signatures and band keys of near-duplicate detection (pipeline.enrich.dedup)."""

from __future__ import annotations

from datasketch import MinHashLSH

from pipeline.enrich import dedup

STORY = (
    "The commerce ministry said on Tuesday it would raise tariffs on imported steel coils from next month, citing "
    "a surge of shipments that domestic mills say has pushed prices to a six-year low. The new duty of 18 percent "
    "will apply to hot-rolled and cold-rolled coils for an initial period of two years."
)


def test_tokens_are_folded_words_and_single_unspaced_characters() -> None:
    assert dedup.tokens("Côte d'Ivoire, ＳＴＥＥＬ!") == ["cote", "d", "ivoire", "steel"]
    assert dedup.tokens("中方反对 sanctions") == ["中", "方", "反", "对", "sanctions"]


def test_shingles_are_five_words_or_four_characters() -> None:
    assert b"the\x1fcommerce\x1fministry\x1fsaid\x1fon" in dedup.shingles(STORY)
    assert "中方坚决".encode() in {s.replace(b"\x1f", b"") for s in dedup.shingles("中方坚决反对单边制裁")}


def test_punctuation_case_and_the_dateline_barely_move_the_signature() -> None:
    first = dedup.fingerprint(STORY)
    copy = dedup.fingerprint("ARDEN (AFP) - " + STORY.upper().replace(",", ""))
    assert first is not None
    assert copy is not None
    assert dedup.similarity(first.signature, copy.signature) > 0.8
    assert dedup.is_duplicate(first, copy, 0.45)
    assert dedup.similarity(first.signature, first.signature) == 1.0


def test_a_text_too_short_to_judge_has_no_fingerprint() -> None:
    assert dedup.fingerprint("Page not found. Return to the home page.") is None
    assert not dedup.is_duplicate(None, dedup.fingerprint(STORY), 0.45)


def test_pairs_that_share_no_band_are_never_duplicates_whatever_the_threshold() -> None:
    first = dedup.fingerprint(STORY)
    other = dedup.fingerprint(" ".join(f"unrelated{n} words{n}" for n in range(40)))
    assert first is not None
    assert other is not None
    assert not set(first.bands) & set(other.bands)
    assert not dedup.is_duplicate(first, other, 0.0)


def test_the_bands_are_datasketch_s_layout_and_named_in_the_scheme() -> None:
    lsh = MinHashLSH(threshold=dedup.BAND_THRESHOLD, num_perm=dedup.NUM_PERM, weights=dedup.BAND_WEIGHTS)
    found = dedup.fingerprint(STORY)
    assert found is not None
    assert len(found.bands) == lsh.b
    assert len(found.signature) == 4 * dedup.NUM_PERM
    assert f"b{lsh.b}r{lsh.r}" in dedup.scheme()
    # Every band's key differs, even for equal rows: the band's number is hashed with them.
    assert len(set(found.bands)) == len(found.bands)


def test_the_enricher_fingerprints_news_in_the_worker_and_not_briefings() -> None:
    # Computed where the page is extracted (a worker process), it crosses the pool with the enrichment, and the
    # catalog's writing thread does not compute it again.
    import pickle

    from pipeline.enrich import Enricher

    text = " ".join(f"word{n} follows word{n + 1} in a long enough sentence number {n}." for n in range(40))
    enricher = Enricher()
    news = enricher.enrich("A story", text, source_kind="news")
    assert news.fingerprint == dedup.fingerprint(text)
    assert pickle.loads(pickle.dumps(news)).fingerprint == news.fingerprint
    assert enricher.enrich("A briefing", text, source_kind="briefing").fingerprint is None
    assert enricher.enrich("Unknown", text).fingerprint is None
