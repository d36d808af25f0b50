"""Edits end to end: `readout run` over the fixture MFA site stores a briefing, the page changes (a view
counter appears: cosmetic; then an answer is edited and an exchange removed), each change is fetched again
and `readout history` / `readout show --json` report it."""

from __future__ import annotations

import json
import re
from pathlib import Path

from pipeline.devsite import SiteFarm
from pipeline.urls import canonical_url

from .test_run_e2e import fresh_world
from .test_turns_e2e import EDITED, LIN_JIAN, _lin_jian_page, changed_and_fetched

#: The TASS exchange of Lin Jian's press conference: its question and answer paragraphs.
TASS = re.compile(
    r'<p style="text-align: justify;">TASS: .*?</p>\s*<p style="text-align: justify;">Lin Jian: .*?</p>\s*'
)
BODY_END = '\n        </div>\n      </div>\n      <div class="news-btn">'


def test_a_cosmetic_change_then_an_edit_and_a_removed_exchange(farm: SiteFarm, tmp_path: Path) -> None:
    world = fresh_world(farm, tmp_path)
    assert world.cli("run", "-s", "cn-mfa-en").exit_code == 0
    identifier = world.documents()[canonical_url(LIN_JIAN)].doc_id[:16]
    _, page = _lin_jian_page()
    assert BODY_END in page
    assert EDITED in page
    assert TASS.search(page)
    counted = page.replace(BODY_END, '\n<p style="text-align: justify;">Views: 1,234</p>' + BODY_END)
    changed_and_fetched(world, farm, counted)
    shown = json.loads(world.cli("show", identifier, "--json").stdout)
    assert (shown["version"], shown["version_count"], shown["edited"]) == (2, 2, False)
    assert "Views: 1,234" in shown["text"]  # the cosmetic version is stored, its text the document's

    edited = TASS.sub("", counted.replace(EDITED, "This is economic coercion.").replace("Views: 1,234", "Views: 1,301"))
    changed_and_fetched(world, farm, edited)
    versions = json.loads(world.cli("history", identifier, "--json").stdout)
    assert [(v["version"], v["cosmetic"], v["computed"]) for v in versions] == [
        (1, False, False),
        (2, True, False),
        (3, False, False),
    ]
    cosmetic, edit = versions[1]["diff"], versions[2]["diff"]
    assert (cosmetic["added"], cosmetic["removed"], cosmetic["changed"]) == ([], [], [])
    assert (cosmetic["exchanges_added"], cosmetic["exchanges_removed"]) == ([], [])
    assert cosmetic["ignored"]["added"] == ["Views: 1,234"]
    [changed] = edit["changed"]
    assert changed["words"] == {"added": [], "removed": ["typical", "and bullying"]}
    assert [paragraph.split(":")[0] for paragraph in edit["removed"]] == ["TASS", "Lin Jian"]
    assert [entry["outlet"] for entry in edit["exchanges_removed"]] == ["TASS"]
    assert edit["exchanges_removed"][0]["summary"].startswith("the exchange with TASS")
    assert [(entry["outlet"], entry["parts"]) for entry in edit["exchanges_changed"]] == [("Reuters", ["answer"])]
    assert edit["exchanges_added"] == []
    shown = json.loads(world.cli("show", identifier, "--json").stdout)
    assert (shown["version_count"], shown["edited"], shown["edited_at"]) == (3, True, versions[2]["fetched_at"])
    text = " ".join(world.cli("history", identifier).stdout.split())
    assert "cosmetic: only the formatting changed" in text
    assert "This is [-typical-] economic coercion [-and bullying-]." in text
    assert "the exchange with TASS" in text
