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
