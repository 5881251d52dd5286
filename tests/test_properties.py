"""Whatever a member types, the bot replies and never raises."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.replies import build_reply, render_text

SLACKISH = st.sampled_from(["<@U123>", "<!channel>", "<!here>", "<https://x.y|label>", ":tada:", "&amp;",
                            "safeguarding", "MATs", "off-rolling", "\u200b", "😀", "ß", "’", "\n", "**"])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text())
def test_any_unicode_gets_a_reply(index, config, text):
    reply = build_reply(index.find_matches(text), index.pack, config.contact)
    assert render_text(reply).strip()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(SLACKISH, st.text(max_size=12)), max_size=40).map(" ".join))
def test_slack_like_text_gets_a_reply(index, config, text):
    result = index.find_matches(text)
    assert all(0 <= m.score <= 1 for m in result.matches)
    assert render_text(build_reply(result, index.pack, config.contact)).strip()


def test_huge_and_empty_input(index, config):
    for text in ("", " " * 10_000, "safeguarding " * 2_000, "😀" * 10_000, "x" * 10_240):
        reply = build_reply(index.find_matches(text), index.pack, config.contact)
        assert render_text(reply).strip()



LINKISH = st.sampled_from(["https://", "http://x.y/", "www.", ".", "..", ":", "@", "mailto:", "gov.uk",
                           "evil.example/login", "a@b.com", "e.g.", "1.5", "-", "+", "(", ")", ",", "<", ">", "|",
                           "&amp;", "é", " ", "\n", "ofsted", "x", "<https://a.b|", "<@U1>", "a@b.comwww.@gov.uk",
                           "07700 900123"])


@settings(max_examples=400, deadline=None)
@given(st.lists(LINKISH, max_size=30).map("".join))
def test_echoes_and_the_log_take_out_what_they_did_reading_word_by_word(text):
    """Round 22: echoes and the question log read a member's words one at a time (one long word
    took 27 s: test_slack_hostile); what they take out is what the whole-text patterns took."""
    import html

    from bot import normalise
    if any(len(w) > normalise.LONGEST_READ_WORD for w in text.split()):
        return
    before = normalise.safe_text(text)   # echo_text as it was, reading the whole text at once
    if "<" in before:
        before = normalise._SLACK_LINK.sub(lambda m: " " if m.group(1).startswith(("@", "!", "#"))
                                           else f" {normalise.LINK_PLACEHOLDER} ", before)
    before = html.unescape(before) if "&" in before else before
    assert normalise.echo_text(text) == normalise._URL_SHAPED.sub(normalise.LINK_PLACEHOLDER, before)
    # the log's scrub as it was: the email pattern over the whole text (these texts give no names)
    scrubbed = normalise._EMAIL.sub("[email]", text)
    scrubbed = normalise._PHONE.sub(lambda m: "[phone]" if sum(c.isdigit() for c in m.group(0)) >= 10
                                    else m.group(0), scrubbed)
    assert normalise.scrub_contact(text) == scrubbed


def test_a_long_word_with_an_address_character_is_a_link_in_an_echo():
    from bot.normalise import LINK_PLACEHOLDER, LONGEST_READ_WORD, echo_text
    long_link = "https://docs.example/d/" + "x" * LONGEST_READ_WORD
    assert echo_text(f"see {long_link} please") == f"see {LINK_PLACEHOLDER} please"
    assert echo_text("a" * 5000) == "a" * 5000   # no address character: nothing Slack would link
