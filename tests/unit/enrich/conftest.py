"""Small rule files written for the tests, so that each test shows the rule it exercises."""

from __future__ import annotations

import pytest

from pipeline.enrich import Enricher
from pipeline.enrich.countries import load_gazetteer
from pipeline.enrich.taxonomy import load_taxonomy

TOPICS = """\
topics:
  - id: sanctions
    label: Sanctions
    description: Sanctions and export controls.
    terms:
      en: [sanction, {term: unilateral sanctions, weight: 2}, export control, {term: entity list, weight: 2}]
      zh: [制裁, {term: 单边制裁, weight: 2}]
      ru: [санкция]
    exclude:
      en: [FIFA, UEFA]
  - id: taiwan
    label: Taiwan
    description: The Taiwan question.
    terms:
      en: [Taiwan, {term: Taiwan independence, weight: 2}, cross-Strait]
      zh: [台湾, {term: 台独, weight: 2}]
      ru: [Тайвань]
  - id: energy
    label: Energy
    description: Oil, gas, pipelines.
    threshold: 3
    terms:
      en: [pipeline, oil, gas]
      zh: [能源]
      ru: [нефть]
    requires:
      en: [oil, gas, energy]
"""

COUNTRIES = """\
countries:
  - code: CN
    name: China
    status: member
    names: {en: [China, PRC, People's Republic of China], zh: [中国, 中方, 中美], ru: [Китай, КНР]}
    adjectives: {en: [Chinese], ru: [китайский]}
    capitals: {en: [Beijing], zh: [北京], ru: [Пекин]}
  - code: US
    name: United States
    status: member
    names: {en: [United States, US, USA, America], zh: [美国, 美方, 中美], ru: [США]}
    adjectives: {en: [American], ru: [американский]}
    capitals: {en: [Washington], zh: [华盛顿], ru: [Вашингтон]}
    ambiguous: {en: [Washington]}
    context: {en: [White House, State Department]}
  - code: GE
    name: Georgia
    status: member
    names: {en: [Georgia], zh: [格鲁吉亚], ru: [Грузия]}
    adjectives: {en: [Georgian], ru: [грузинский]}
    capitals: {en: [Tbilisi], zh: [第比利斯], ru: [Тбилиси]}
    ambiguous: {en: [Georgia, Georgian]}
    context: {en: [Caucasus, Abkhazia]}
  - code: JO
    name: Jordan
    status: member
    names: {en: [Jordan], zh: [约旦], ru: [Иордания]}
    adjectives: {en: [Jordanian]}
    capitals: {en: [Amman], zh: [安曼], ru: [Амман]}
    ambiguous: {en: [Jordan]}
    context: {en: [Hashemite]}
  - code: TW
    name: Taiwan
    status: territory
    names: {en: [Taiwan, Chinese Taipei], zh: [台湾], ru: [Тайвань]}
    capitals: {en: [Taipei], zh: [台北], ru: [Тайбэй]}
  - code: GN
    name: Guinea
    status: member
    names: {en: [Guinea], zh: [几内亚], ru: [Гвинея]}
    capitals: {en: [Conakry], zh: [科纳克里], ru: [Конакри]}
  - code: GW
    name: Guinea-Bissau
    status: member
    names: {en: [Guinea-Bissau], zh: [几内亚比绍], ru: [Гвинея-Бисау]}
    capitals: {en: [Bissau], zh: [比绍], ru: [Бисау]}
blockers:
  en: [China Daily, South China Sea, Latin America, Michael Jordan]
  zh: [中国日报]
"""


@pytest.fixture(scope="session")
def enricher() -> Enricher:
    return Enricher(load_taxonomy("topics.yaml", text=TOPICS), load_gazetteer("countries.yaml", text=COUNTRIES))
