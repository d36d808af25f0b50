"""Listing pagination over the fixture sites (real HTTP on loopback): where a walk ends, and how far it goes.

The end of a listing (the 404 one page past the last) is not a failure; a source with no documents yet
walks its pagination on its first run; later runs read ``pages_per_run`` pages.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.devsite import SiteFarm
from pipeline.urls import canonical_url
from tests.conftest import FIXTURES
from tests.integration.test_run_e2e import EXPECTED, World, fresh_world

SOURCE = "cn-mfa-en"
HOST = "www.fmprc.gov.cn"
LISTING = "/eng/xw/fyrbt/lxjzh/"
#: The listing's two pages, then the one past the last, which the site answers with 404.
WHOLE_WALK = [(LISTING, 200), (f"{LISTING}index_1.html", 200), (f"{LISTING}index_2.html", 404)]


def every_expected(source_id: str) -> set[str]:
    """Every item of the source's listing pages: its first page's and the older pages'."""
    entry = EXPECTED[source_id]
    return {canonical_url(url) for url in entry["incremental"] + entry.get("backfill", [])}


def listing_requests(farm: SiteFarm, mark: int) -> list[tuple[str, int]]:
    """(path, status) of the China MFA listing pages asked for since request number ``mark``."""
    return [
        (r.path, r.status)
        for r in farm.requests()[mark:]
        if r.host == HOST and r.path.startswith(LISTING) and "/t20" not in r.path
    ]


def failures(world: World) -> list[str]:
    catalog = world.catalog()
    try:
        return [f"{f.stage} {f.error_kind}: {f.message}" for f in catalog.failures(limit=100)]
    finally:
        catalog.close()


def test_a_backfill_ends_quietly_at_the_404_past_the_last_listing_page(farm: SiteFarm, tmp_path: Path) -> None:
    world = fresh_world(farm, tmp_path)
    mark = len(farm.requests())
    result = world.cli("backfill", "--source", SOURCE, "--since", "2019-01-01")
    assert result.exit_code == 0, result.output
    # The walk went one page past the last one, as it must to find the end, and the site said 404 there.
    assert listing_requests(farm, mark) == WHOLE_WALK
    assert {url for url, d in world.documents().items() if d.source_id == SOURCE} == every_expected(SOURCE)
    [run] = world.last_run()
    assert (run.status, run.failed, run.error) == ("ok", 0, None)
    assert failures(world) == []
    assert "problem(s)" not in result.output


def test_a_pagination_rule_that_finds_no_older_page_is_warned_about(farm: SiteFarm, tmp_path: Path) -> None:
    """A pagination template that does not fit the site 404s on its very first page: not a failure (a
    one-page listing looks the same) but a warning, so that a broken rule does not go unnoticed."""
    world = fresh_world(farm, tmp_path)
    text = world.sources_file.read_text("utf-8")
    assert text.count("lxjzh/index_{page}.html") == 1
    world.sources_file.write_text(text.replace("lxjzh/index_{page}.html", "lxjzh/page-{page}.htm"), "utf-8")
    result = world.cli("backfill", "--source", SOURCE, "--since", "2019-01-01")
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "page-1.htm answers HTTP 404: a one-page listing, or check the source's pagination rule" in output
    assert failures(world) == []
    # The real end of a listing, one page past the last of several, stays quiet.
    world.sources_file.write_text(text, "utf-8")
    again = world.cli("backfill", "--source", SOURCE, "--since", "2019-01-01")
    assert "pagination rule" not in again.output


def test_a_404_on_the_first_listing_page_is_still_a_failure(farm: SiteFarm, tmp_path: Path) -> None:
    world = fresh_world(farm, tmp_path)
    text = world.sources_file.read_text("utf-8")
    world.sources_file.write_text(text.replace(f"{LISTING}\n", f"{LISTING}missing/\n", 1), "utf-8")
    result = world.cli("backfill", "--source", SOURCE, "--since", "2019-01-01")
    assert result.exit_code == 1, result.output  # the one source could not be read at all
    [run] = world.last_run()
    assert run.status == "failed"
    [failure] = failures(world)
    assert failure.startswith("discover HTTPStatusError: HTTP 404"), failure
    assert f"{LISTING}missing/" in failure


def test_a_first_run_walks_the_pagination_and_later_runs_read_pages_per_run(farm: SiteFarm, tmp_path: Path) -> None:
    world = fresh_world(farm, tmp_path)
    mark = len(farm.requests())
    result = world.cli("run", "--source", SOURCE)
    assert result.exit_code == 0, result.output
    # No documents yet: the first run walks the listing to its end (page 3 answers 404), not just page 1.
    assert listing_requests(farm, mark) == WHOLE_WALK
    assert set(world.documents()) == every_expected(SOURCE)
    [run] = world.last_run()
    assert (run.status, run.new, run.failed) == ("ok", len(every_expected(SOURCE)), 0)
    assert failures(world) == []

    # The first page changes (a 200, not a 304): a run with documents reads pages_per_run (1) pages only.
    first_page = (FIXTURES / "sites" / HOST / LISTING.strip("/") / "index.html").read_bytes()
    farm.overrides[(HOST, LISTING)] = first_page.replace(b"</body>", b"<!-- changed --></body>")
    try:
        mark = len(farm.requests())
        result = world.cli("run", "--source", SOURCE)
    finally:
        farm.overrides.clear()
    assert result.exit_code == 0, result.output
    assert listing_requests(farm, mark) == [(LISTING, 200)]
    [run] = world.last_run()
    assert (run.status, run.new, run.failed) == ("ok", 0, 0)


def test_the_first_run_page_cap_is_a_setting(farm: SiteFarm, tmp_path: Path) -> None:
    world = fresh_world(farm, tmp_path)
    mark = len(farm.requests())
    result = world.cli("run", "--source", SOURCE, READOUT_FIRST_RUN_PAGES="2")
    assert result.exit_code == 0, result.output
    assert listing_requests(farm, mark) == WHOLE_WALK[:2]
    assert set(world.documents()) == every_expected(SOURCE)
