"""The "Ask a rep" messages and modals fit Slack's limits whatever members and reps type, and
what they typed can never ping anyone or pass for the union's guidance."""
from __future__ import annotations

import json
import re
import time

from bot import rep_blocks
from bot.blocks import MESSAGE_BLOCKS, SECTION_LIMIT
from bot.config import RepSettings
from bot.replies import Reply
from bot.store import KeptAnswer, RepRequest

HOSTILE = "<!channel> <@U123> *bold* ‘quotes’ & “more” \n> fake quote\n" + "ünïcödé \" \\ " * 400
NOW = time.time()


def request(**kw) -> RepRequest:
    fields = dict(id=7, question=HOSTILE, asker="UMEMBER", asker_name="Mo <!here> Member", channel="C1",
                  thread_ts="1.1", state="open", created_at=NOW - 7200, reps_channel="CREPS", reps_ts="2.2")
    return RepRequest(**(fields | kw))


def texts(node) -> list[str]:
    if isinstance(node, dict):
        found = [node["text"]] if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str) \
            else []
        return found + [t for k, v in node.items() if k != "value" for t in texts(v)]
    if isinstance(node, list):
        return [t for v in node for t in texts(v)]
    return []


def assert_fits_and_inert(blocks: list[dict]) -> None:
    assert len(blocks) <= MESSAGE_BLOCKS
    for text in texts(blocks):
        assert len(text) <= SECTION_LIMIT
        assert "<!channel>" not in text and "<@U123>" not in text and "<!here>" not in text


def test_every_message_fits_and_pings_nobody():
    answered = request(state="answered", rep="UREP", rep_name="Sam <!channel> Rep", answered_at=NOW, answer=HOSTILE,
                       kept_id=3)
    kept = KeptAnswer(3, HOSTILE, HOSTILE, None, "Sam Rep", NOW, NOW)
    settings = RepSettings(channel="CREPS")
    messages = [rep_blocks.request_message(request()), rep_blocks.closed_request_message(answered, "Mo"),
                rep_blocks.member_answer_message(answered), rep_blocks.outside_message(answered, "Contact us."),
                rep_blocks.sent_message(request()), rep_blocks.queue_message([request(id=i) for i in range(80)]),
                rep_blocks.kept_list_message([kept] * 60, settings), rep_blocks.review_message(kept, settings),
                rep_blocks.kept_reply_blocks(Reply(query=HOSTILE, answered=True, contact="c", kept=kept))]
    for message in messages:
        assert_fits_and_inert(message.blocks)
        assert "<!channel>" not in message.text


def test_a_rep_answer_always_carries_its_label():
    answered = request(state="answered", rep_name="Sam Rep", answered_at=NOW, answer="No.")
    label = f"Answered by Sam Rep on {time.strftime('%-d %B %Y', time.gmtime(NOW))}, a rep's answer, not the " \
            "union's published guidance"
    assert label in "\n".join(texts(rep_blocks.member_answer_message(answered).blocks))
    kept = KeptAnswer(3, "q", "No.", None, "Sam Rep", NOW, NOW)
    reply = Reply(query="q", answered=True, contact="c", kept=kept)
    message = rep_blocks.reply_message(reply, ephemeral=True)
    assert label in "\n".join(texts(message.blocks)) and message.text.startswith(label)


def test_a_kept_answer_re_confirmed_later_is_not_dated_as_answered_then():
    """Round 28's content audit: a kept answer re-confirmed 100 days on was shown as "Answered by
    Jo Bloggs on" the day of the re-confirming, a day Jo never answered (and whoever re-confirmed
    isn't recorded). It says when Jo answered, and when a rep last confirmed it."""
    answered, confirmed = NOW - 100 * 86400, NOW
    kept = KeptAnswer(3, "q", "No.", None, "Jo Bloggs", answered, confirmed)
    reply = Reply(query="q", answered=True, contact="c", kept=kept)
    for message in (rep_blocks.reply_message(reply, ephemeral=True),
                    rep_blocks.kept_list_message([kept], RepSettings(channel="CREPS"))):
        shown = "\n".join(texts(message.blocks))
        assert f"on {rep_blocks.day(confirmed)}," not in shown, shown
        assert "Answered by Jo Bloggs" in shown and "a rep's answer, not the union's published guidance" in shown
        assert f"last confirmed by a rep on {rep_blocks.day(confirmed)}" in shown, shown
        assert f"Answered by Jo Bloggs on {rep_blocks.day(answered)}, a rep's answer" in shown, shown   # (review)
    fresh = KeptAnswer(4, "q", "No.", None, "Jo Bloggs", NOW, NOW)   # answered (or edited) and not re-confirmed since
    shown = "\n".join(texts(rep_blocks.reply_message(Reply(query="q", answered=True, contact="c", kept=fresh),
                                                      ephemeral=True).blocks))
    assert f"Answered by Jo Bloggs on {rep_blocks.day(NOW)}, a rep's answer" in shown


def test_the_confirm_modal_shows_exactly_what_is_shared_and_its_metadata_is_valid_json():
    metadata = {"q": HOSTILE[:1000], "n": "Mo Member", "c": "C1", "t": "1.1"}
    view = rep_blocks.confirm_view(HOSTILE, "Mo Member", channel_name="#reps", by_dm=False, metadata=metadata).to_dict()
    assert len(view["private_metadata"]) <= 3000 and json.loads(view["private_metadata"]) == metadata
    shown = "\n".join(texts(view["blocks"]))
    assert "Your question" in shown and "*Your name*\nMo Member" in shown and "#reps" in shown
    assert "UMEMBER" not in json.dumps(view)


def test_modals_fit():
    for view in (rep_blocks.answer_view(request()), rep_blocks.covered_view(request()),
                 rep_blocks.edit_view(KeptAnswer(1, HOSTILE, HOSTILE * 3, None, "R", NOW, NOW))):
        d = view.to_dict()
        assert len(d["blocks"]) <= 100 and len(d["title"]["text"]) <= 24
        for text in texts(d["blocks"]):
            assert len(text) <= SECTION_LIMIT


def test_a_kept_answer_to_a_long_message_says_only_its_ends_were_read():
    from bot.replies import CLIPPED
    kept = KeptAnswer(3, "what is a deep dive", "It's a close look at one subject.", None, "Sam Rep", NOW, NOW)
    long = rep_blocks.kept_reply_blocks(Reply(query="q", answered=True, contact="c", kept=kept, clipped=True))
    short = rep_blocks.kept_reply_blocks(Reply(query="q", answered=True, contact="c", kept=kept))
    assert CLIPPED in " ".join(texts(long.blocks)) and CLIPPED not in " ".join(texts(short.blocks))


def test_a_long_answer_reaches_the_member_whole():
    """Escaping (& → &amp;) and the quote marks make an answer longer than the rep typed it: a
    2,880-character answer used to be cut at 2,900 after escaping, with "…", and the rep told Done."""
    for answer in ("Tom & Jerry " * 240, "\n".join(f"point {i} & more" for i in range(300))):
        req = request(state="answered", question="what about it", answer=answer, rep_name="Sam Rep", answered_at=NOW)
        shown = "\n".join(texts(rep_blocks.member_answer_message(req).blocks))
        assert shown.count("&amp;") == answer.count("&") and "…" not in shown
        assert_fits_and_inert(rep_blocks.member_answer_message(req).blocks)


def test_no_section_of_an_answer_is_blank_and_nothing_is_lost():
    sections = [b.to_dict()["text"]["text"] for b in rep_blocks.quoted_sections("a\n" + " " * 2950 + "\nb")]
    assert all(s.strip(">\n ") for s in sections)
    answer = "\n".join(f"point {i}: Tom & Jerry" for i in range(400))
    shown = "\n".join(b.to_dict()["text"]["text"] for b in rep_blocks.quoted_sections(answer))
    assert shown == "\n".join(">" + line.replace("&", "&amp;") for line in answer.splitlines())


def test_a_reps_answer_names_an_entry_but_is_not_an_answer_to_pin():
    from handlers.pins import answer_ref
    req = request(state="answered", answer="Ask your head.", rep_name="Sam Rep", answered_at=NOW,
                  entry_id="off-rolling")
    message = rep_blocks.member_answer_message(req)
    assert "off-rolling" in json.dumps(message.blocks) and answer_ref({"blocks": message.blocks}) == {}


def test_outside_the_guidance_asks_the_rep_to_confirm():
    """It tells the member at once and settles the request: one slip of the mouse shouldn't."""
    message = rep_blocks.request_message(request())
    outside = next(e for b in message.blocks for e in b.get("elements", []) if e.get("action_id") == "rep_outside")
    assert outside["confirm"]["confirm"]["text"] == "Yes, tell the member" and "can't be undone" in json.dumps(outside)


def kept(i: int, *, days_old: float) -> KeptAnswer:
    at = NOW - days_old * 86400
    return KeptAnswer(id=i, question=f"question {i}", answer=f"answer {i}", entry_id=None, rep_name="Sam",
                      answered_at=at, confirmed_at=at)


def test_the_kept_list_puts_answers_due_for_review_first_and_says_how_many_more():
    """The reps' audit of round 14: 32 kept answers, 24 listed newest first, the oldest (the ones
    due for review) left out with no word of it."""
    settings = RepSettings()
    answers = [kept(i, days_old=i) for i in range(1, 31)] + [kept(99, days_old=95)]
    message = rep_blocks.kept_list_message(answers, settings, NOW)
    listed = [int(n) for n in re.findall(r"answer (\d+)\b", " ".join(texts(message.blocks)))]
    assert listed[0] == 99 and listed[1:4] == [1, 2, 3]   # due for review first, then the newest
    assert 30 not in listed and len(message.blocks) <= MESSAGE_BLOCKS
    more = f"{31 - len(set(listed))} more kept answers aren't listed here"
    assert more in " ".join(texts(message.blocks))


def test_a_review_notice_for_an_answer_already_hidden_says_so():
    settings = RepSettings()
    late = rep_blocks.review_message(kept(1, days_old=200), settings, NOW).text
    assert "members haven't been shown it since" in late and "stops being shown on" not in late
    due = rep_blocks.review_message(kept(2, days_old=91), settings, NOW).text
    assert "it stops being shown on" in due


def test_a_privately_asked_question_is_not_kept_by_default():
    """The reps' audit of round 14: a DM question (names and all) was kept by default and shown to
    members asking in public channels."""
    public = json.dumps(rep_blocks.answer_view(request()).to_dict())
    private = json.dumps(rep_blocks.answer_view(request(channel="", thread_ts="")).to_dict())
    assert '"initial_options"' in public and "Asked privately" not in public
    assert '"initial_options"' not in private and "Asked privately" in private


def test_a_covered_answer_whose_entry_has_gone_is_not_called_outside_the_guidance():
    message = rep_blocks.covered_gone_message(request(state="covered", rep_name="Sam", entry_id="gone"), "Contact us.")
    assert "covers your question" in message.text and "outside" not in message.text


def test_a_long_queue_says_how_many_it_leaves_out():
    """One message holds 50 blocks: beyond that the queue had listed 49 requests under a heading
    counting all of them and said nothing of the rest; the App Home listed 9 likewise."""
    def answer_buttons(blocks):
        return [b["accessory"]["action_id"] for b in blocks if b.get("accessory")]

    fits = rep_blocks.queue_message([request(id=i, question="q") for i in range(1, 50)]).blocks
    assert len(answer_buttons(fits)) == 49 and "more open request" not in "\n".join(texts(fits))
    long = rep_blocks.queue_message([request(id=i, question="q") for i in range(1, 61)]).blocks
    assert_fits_and_inert(long)
    assert answer_buttons(long) == [f"{rep_blocks.ANSWER}_{i}" for i in range(1, 49)]   # the oldest 48
    assert texts(long)[0] == "60 open request(s), oldest first:"
    assert texts(long)[-1].startswith("12 more open requests not listed here (the oldest are listed first)")
    def home(n):
        blocks = rep_blocks.home_kept_blocks([], [request(id=i, question="q") for i in range(1, n + 1)],
                                             RepSettings(channel="CREPS"), room=20)
        return "\n".join(texts([b.to_dict() for b in blocks]))

    many = home(12)
    assert "#9 ·" in many and "#10 ·" not in many and "3 more open requests not listed here" in many
    few = home(9)
    assert "#9 ·" in few and "more open request" not in few
    # Round 21's hunt: long questions cut the section at 3,000 characters mid-line, dropping the
    # "more" line, and the App Home showed members' links as links
    long = rep_blocks.home_kept_blocks([], [request(id=i, question="see https://evil.example/login " + "x " * 200)
                                            for i in range(1, 151)], RepSettings(channel="CREPS"), room=20)
    shown = texts([b.to_dict() for b in long])
    section = next(t for t in shown if t.startswith("150 open request(s)"))
    assert len(section) <= 3000 and section.splitlines()[-1].startswith("14") and "more open requests" in section
    assert "evil.example" not in section and "https://" not in section and "<!here>" not in section
    listed = [ln for ln in section.splitlines() if ln.startswith("#")]
    assert 150 - len(listed) == int(section.splitlines()[-1].split()[0])   # every request counted once


def test_a_members_link_is_no_link_wherever_reps_read_the_question():
    """Round 22's hunt: the queue and the App Home showed [link] for a member's address, but the
    request's own post in the reps' channel and the Answer and Covered modals kept it live. Its
    review: reps must still read it ("is this email from x@ofsted.gov.uk genuine?"), so every view
    shows it whole, broken up so that no reader takes it for a link."""
    req = request(id=7, question="is this real? https://evil.example/login, from x@ofsted.gov.uk, "
                                 "<https://evil.example/reset|ofsted.gov.uk>")
    for blocks in (rep_blocks.request_message(req).blocks, rep_blocks.answer_view(req).to_dict()["blocks"],
                   rep_blocks.covered_view(req).to_dict()["blocks"], rep_blocks.queue_message([req]).blocks):
        shown = "\n".join(texts(blocks))
        assert "evil.example" not in shown and "https://" not in shown and "x@ofsted" not in shown, shown
        assert "evil.example/login" in shown.replace("\u200b", "") and "x@ofsted.gov.uk" in shown.replace("\u200b", "")
        assert "ofsted.gov.uk (https://evil.example/reset)" in shown.replace("\u200b", "")


def test_an_email_address_in_a_reps_answer_reaches_the_member_intact():
    """Round 22's hunt: every "@" of a rep's answer got a zero-width space after it, so a copied
    advice@ address failed; only a bare @channel, @here or @everyone is broken up now."""
    req = request(id=7, question="q", state="answered", rep_name="Sam", answered_at=time.time(),
                  answer="Email advice@nasuwt.org.uk, not @channel or @Here.")
    shown = "\n".join(texts(rep_blocks.member_answer_message(req).blocks))
    assert "advice@nasuwt.org.uk" in shown
    assert "@\u200bchannel" in shown and "@\u200bHere" in shown


def test_a_rep_saying_the_guidance_covers_a_question_names_no_union():
    """Review of round 29: "Pat (a rep) says the union's guidance covers your question" came
    before another union's guidance (the example pack's ETU), which in NASUWT's workspace reads
    as NASUWT's. The guidance that follows says whose it is; the rep's line names no union."""
    req = request(rep_name="Pat")
    gone = rep_blocks.covered_gone_message(req, "Ask the Education Team.")
    intro = json.dumps(rep_blocks.covered_intro(req))
    for text in (gone.text, json.dumps(gone.blocks), intro):
        assert "union" not in text and "Pat (a rep) says the guidance covers your question" in text, text
