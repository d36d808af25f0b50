"""Briefings as exchanges: a transcript's text cut into announcements, questions and answers.

The public surface, used by the enricher, the catalog and the CLI:

* :class:`Utterance`: one labelled part of a transcript (an announcement, a question or an answer), with
  its speaker or outlet as written and as normalised ids;
* :class:`Exchange`: an opening announcement, or a question with its answer (follow-ups included);
* :class:`Segmentation`: what :func:`segment` found in one document, with the layout it recognised and
  the labels it could not normalise;
* :func:`segment`: the stage function;
* :class:`~pipeline.enrich.speakers.SpeakerDirectory` (``speakers=``): the spokespersons and outlets it
  normalises labels with, from :func:`pipeline.enrich.speakers.speakers_for` (the configured file) or, by
  default, the shipped ``config/speakers.yaml``.

How transcripts are read, layout by layout: :mod:`pipeline.enrich.turns.segmenter` and docs/briefings.md.
"""

from __future__ import annotations

from pipeline.enrich.turns.model import Exchange, ExchangeKind, Segmentation, Utterance, UtteranceKind
from pipeline.enrich.turns.segmenter import segment

__all__ = ["Exchange", "ExchangeKind", "Segmentation", "Utterance", "UtteranceKind", "segment"]
