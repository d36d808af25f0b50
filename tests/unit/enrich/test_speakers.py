"""The speakers file validates like the tagging rules (errors name the file, the entry and its line, the field;
a broken entry is left out and the rest loads), and matching forgives case, accents, spacing, scripts and
titles. ``readout check`` validates it."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import Settings
from pipeline.enrich.speakers import SpeakerDirectory, load_speakers, read_speakers, speakers_for
from pipeline.errors import ConfigError

REPO = Path(__file__).resolve().parents[3]

GOOD = """\
speakers:
  - {id: wang-wenbin, ministry: CN, names: [Wang Wenbin, 汪文斌, Ван Вэньбинь]}
  - {id: ned-price, ministry: US, names: [Ned Price, PRICE]}
  - {id: li-price, ministry: CN, names: [Li Price, PRICE]}
  - {id: randhir-jaiswal, ministry: IN, names: [Randhir Jaiswal]}
  - {id: jose-nunez, ministry: ES, names: [José Núñez]}
outlets:
  - {id: afp, names: [AFP, Agence France-Presse, 法新社]}
  - {id: nhk, names: [NHK]}
"""


@pytest.fixture(scope="module")
def directory() -> SpeakerDirectory:
    return load_speakers("speakers.yaml", text=GOOD)


@pytest.mark.parametrize(
    ("label", "ministry", "expected"),
    [
        ("Wang Wenbin", None, "wang-wenbin"),
        ("WANG  wenbin", None, "wang-wenbin"),
        ("汪文斌", None, "wang-wenbin"),
        ("外交部发言人汪文斌", None, "wang-wenbin"),
        ("Ван Вэньбинь", None, "wang-wenbin"),
        ("Shri Randhir Jaiswal, Official Spokesperson", None, "randhir-jaiswal"),
        ("Mr. Jose Nunez", None, "jose-nunez"),
        ("MR PRICE", "US", "ned-price"),
        ("MR PRICE", "CN", "li-price"),
        ("MR PRICE", None, None),  # a surname two ministries share names nobody without the ministry
        ("Wang Yi", None, None),
    ],
)
def test_speakers_match_across_spellings_scripts_and_titles(
    directory: SpeakerDirectory, label: str, ministry: str | None, expected: str | None
) -> None:
    assert directory.speaker(label, ministry=ministry) == expected


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("AFP", "afp"),
        ("afp", "afp"),
        ("Agence France Presse", "afp"),
        ("法新社记者", "afp"),
        ("Kojima, NHK", "nhk"),
        ("NHK 北川記者", "nhk"),
        ("Reuters", None),
    ],
)
def test_outlets_match_with_the_journalist_suffix_and_names_stripped(
    directory: SpeakerDirectory, label: str, expected: str | None
) -> None:
    assert directory.outlet(label) == expected


def test_a_title_names_its_spokesperson_but_not_by_a_surname_alone(directory: SpeakerDirectory) -> None:
    assert directory.speaker_in("Foreign Ministry Spokesperson Wang Wenbin's Regular Press Conference") == "wang-wenbin"
    assert directory.speaker_in("2024年4月15日外交部发言人汪文斌主持例行记者会") == "wang-wenbin"
    assert directory.speaker_in("The Price of Oil", ministry="US") is None


def errors_of(text: str) -> list[str]:
    _, errors = read_speakers("speakers.yaml", text=text)
    return [str(error) for error in errors]


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            "  - {id: lin-jian, ministry: CN, names: [Lin Jian], nmes: [林剑]}\n",
            "speakers.yaml, entry speaker 'lin-jian' (line 7), field 'nmes': unknown field (allowed: id, ministry, "
            "names, role, gender)",
        ),
        (
            "  - {id: lin-jian, ministry: CN, names: [Lin Jian], gender: f}\n",
            "speakers.yaml, entry speaker 'lin-jian' (line 7), field 'gender': Input should be 'female' or 'male'",
        ),
        (
            "  - {id: Lin Jian, ministry: CN, names: [Lin Jian]}\n",
            "speakers.yaml, entry speaker 'Lin Jian' (line 7), field 'id': String should match pattern",
        ),
        (
            "  - {id: lin-jian, ministry: China, names: [Lin Jian]}\n",
            "speakers.yaml, entry speaker 'lin-jian' (line 7), field 'ministry': String should match pattern",
        ),
        (
            "  - {id: lin-jian, ministry: CN, names: []}\n",
            "speakers.yaml, entry speaker 'lin-jian' (line 7), field 'names': List should have at least 1 item",
        ),
        (
            "  - {id: lin-jian, ministry: CN, names: ['...']}\n",
            "speakers.yaml, entry speaker 'lin-jian' (line 7), field 'names': the name '...' has no letters to match",
        ),
        (
            "  - {id: wang-wenbin, ministry: CN, names: [Wang]}\n",
            "speakers.yaml, entry speaker 'wang-wenbin' (line 7), field 'id': duplicate id (first used by speaker "
            "'wang-wenbin' (line 2))",
        ),
        (
            "  - Lin Jian\n",
            "speakers.yaml, entry speaker #6 (line 7): expected a mapping with id, ministry, names, role, gender",
        ),
    ],
)
def test_a_broken_speaker_is_named_and_left_out_while_the_rest_loads(entry: str, expected: str) -> None:
    head, outlets = GOOD.split("outlets:\n")
    text = head + entry + "outlets:\n" + outlets
    directory, errors = read_speakers("speakers.yaml", text=text)
    assert len(errors) == 1
    assert str(errors[0]).startswith(expected), errors
    assert [s.id for s in directory.speakers] == [
        "wang-wenbin",
        "ned-price",
        "li-price",
        "randhir-jaiswal",
        "jose-nunez",
    ]
    assert directory.outlet("AFP") == "afp"


def test_a_broken_outlet_is_named_and_the_speakers_still_load() -> None:
    text = GOOD + "  - {id: tass, names: [TASS], city: Moscow}\n"
    directory, errors = read_speakers("speakers.yaml", text=text)
    assert [str(e) for e in errors] == [
        "speakers.yaml, entry outlet 'tass' (line 10), field 'city': unknown field (allowed: id, names, country)"
    ]
    assert directory.outlet("TASS") is None
    assert directory.speaker("Wang Wenbin") == "wang-wenbin"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("speakers: [", "speakers.yaml: not valid YAML"),
        ("outlets: []\n", "speakers.yaml: expected a mapping with a 'speakers' list"),
        ("speakers: []\nspokespeople: []\n", "speakers.yaml: unknown top-level keys: spokespeople"),
    ],
)
def test_a_file_that_is_broken_as_a_whole_is_refused(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as raised:
        read_speakers("speakers.yaml", text=text)
    assert str(raised.value).startswith(expected)


def test_load_speakers_refuses_the_first_broken_entry() -> None:
    with pytest.raises(ConfigError, match="field 'ministry'"):
        load_speakers("speakers.yaml", text=GOOD.replace("outlets:", "  - {id: x, names: [X]}\noutlets:"))
    with pytest.raises(ConfigError, match="file not found"):
        load_speakers(REPO / "no-such-speakers.yaml")


def test_the_shipped_file_is_valid_and_names_the_spokespersons_of_every_ministry() -> None:
    directory = load_speakers(REPO / "config" / "speakers.yaml")
    assert {s.ministry for s in directory.speakers} >= {"CN", "RU", "US", "GB", "JP", "IN"}
    for label, ministry, expected in [
        ("毛宁", "CN", "mao-ning"),
        ("Мария Захарова", "RU", "maria-zakharova"),
        ("MS BRUCE", "US", "tammy-bruce"),
        ("Minister Kamikawa", "JP", "kamikawa-yoko"),
    ]:
        assert directory.speaker(label, ministry=ministry) == expected
    assert directory.outlet("环球时报记者") == "global-times"


def test_speakers_for_the_settings_leaves_out_broken_entries_and_survives_a_missing_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = tmp_path / "speakers.yaml"
    broken.write_text(GOOD + "  - {id: tass, names: []}\n", "utf-8")
    with caplog.at_level(logging.WARNING, logger="pipeline.enrich.speakers"):
        directory = speakers_for(Settings(speakers=broken))
    assert directory.speaker("Wang Wenbin") == "wang-wenbin"
    assert "entry outlet 'tass' (line 10), field 'names'" in caplog.text
    missing = speakers_for(Settings(speakers=tmp_path / "none-here.yaml"))
    assert (missing.speakers, missing.outlets) == ((), ())
    assert speakers_for(Settings(speakers="none")).speakers == ()


runner = CliRunner()


def _check(tmp_path: Path, speakers: str) -> tuple[int, str]:
    env = {
        "READOUT_SOURCES": str(REPO / "config" / "sources.yaml"),
        "READOUT_DATA_DIR": str(tmp_path / "data"),
        "READOUT_SPEAKERS": speakers,
        "COLUMNS": "300",
    }
    result = runner.invoke(app, ["check"], env=env)
    return result.exit_code, " ".join(result.output.split())


def test_readout_check_names_a_broken_speakers_entry_and_a_missing_file(tmp_path: Path) -> None:
    broken = tmp_path / "speakers.yaml"
    broken.write_text(GOOD + "  - {id: tass, names: [TASS], city: Moscow}\n", "utf-8")
    code, output = _check(tmp_path, str(broken))
    assert code == 2, output
    assert f"{broken}, entry outlet 'tass' (line 10), field 'city': unknown field" in output
    code, output = _check(tmp_path, str(tmp_path / "gone.yaml"))
    assert code == 1, output
    assert "does not exist (READOUT_SPEAKERS)" in output
    good = tmp_path / "good.yaml"
    good.write_text(GOOD, "utf-8")
    code, output = _check(tmp_path, str(good))
    assert code == 0, output
    assert f"ok: 5 speaker(s), 2 outlet(s) in {good}" in output


def test_a_speakers_gender_is_optional_and_read_by_id() -> None:
    directory = load_speakers(
        "speakers.yaml",
        text="speakers:\n  - {id: mao-ning, ministry: CN, gender: female, names: [Mao Ning]}\n"
        "  - {id: lin-jian, ministry: CN, names: [Lin Jian]}\n",
    )
    assert [directory.gender_of(i) for i in ("mao-ning", "lin-jian", "nobody", None)] == ["female", None, None, None]


def test_a_name_in_traditional_characters_is_the_same_as_in_simplified_ones() -> None:
    # A Hong Kong paper writes 小林麻紀 and 毛寧 where the file (or a mainland paper) writes 小林麻纪 and 毛宁.
    directory = load_speakers(
        "speakers.yaml",
        text="speakers:\n  - {id: kobayashi-maki, ministry: JP, names: [小林麻紀]}\n"
        "  - {id: mao-ning, ministry: CN, names: [毛宁]}\n",
    )
    assert directory.speakers_in("小林麻纪表示，日本对索尔梅拉的债权约为380亿日元。") == ["kobayashi-maki"]
    assert directory.speakers_in("中國外交部發言人毛寧6日表示") == ["mao-ning"]
