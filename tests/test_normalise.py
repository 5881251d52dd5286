from __future__ import annotations

from bot.normalise import clean_slack_text, fold, stem, words


def test_slack_markup_is_removed_but_link_labels_kept():
    text = "<@U123ABC> <!channel> <!here> what about <https://gov.uk/x|the survey> <https://a.b> <#C1|general>"
    cleaned = clean_slack_text(text)
    assert "U123" not in cleaned and "channel" not in cleaned.replace("general", "")
    assert "the survey" in cleaned and "gov.uk" not in cleaned and "general" in cleaned


def test_emoji_quotes_and_entities():
    assert words(":sob: what’s “off-rolling”?? &amp; :+1:") == ["what", "off", "rolling", "and"]
    assert fold("Café") == "cafe"


def test_possessives_and_case():
    assert words("OFSTED's Big Listen") == ["ofsted", "big", "listen"]


def test_stem_joins_word_forms():
    assert stem("inspections") == stem("inspection")
    assert stem("judgements") == stem("judgement")
    assert stem("excluded") == stem("exclude") == stem("excluding")
    assert stem("processes") == stem("process")
    assert stem("openness") == stem("open")
