"""Every message and modal the bot can render stays inside Slack's Block Kit limits.

Slack refuses a message that breaks one of these (`invalid_blocks`), so a too-long commentary
would turn an answer into an error in production. Renders every entry of the bundled pack in
every variant, the abstain replies, the lists and the modal, plus one deliberately huge entry.
"""
from __future__ import annotations

import dataclasses

import pytest

from bot.blocks import (
    SlackMessage,
    abstain_blocks,
    answer_blocks,
    full_guidance_view,
    matches_blocks,
    sections_blocks,
    text_blocks,
)
from bot.guide import Guide
from bot.knowledge import Statement, SurveyEntry
from bot.replies import entry_reply
from bot.store import open_store
from handlers.commands import help_text
from slack_helpers import elements, shown_text

MESSAGE_BLOCKS, MODAL_BLOCKS = 50, 100
TEXT_LIMIT = 3000        # section text, each context element
FIELD_LIMIT, MAX_FIELDS = 2000, 10
HEADER_LIMIT = 150
BUTTON_TEXT, BUTTON_VALUE, ACTION_ID, BLOCK_ID = 75, 2000, 255, 255
ACTIONS_ELEMENTS, CONTEXT_ELEMENTS = 25, 10
VIEW_TITLE = 24          # modal title, close and submit


def slack_limit_problems(payload: dict, *, modal: bool = False) -> list[str]:
    """What Slack would reject in a message ({"text", "blocks"}) or a modal view; [] when it fits."""
    problems: list[str] = []
    blocks = payload.get("blocks") or []
    limit = MODAL_BLOCKS if modal else MESSAGE_BLOCKS
    if not blocks:
        problems.append("no blocks")
    if len(blocks) > limit:
        problems.append(f"{len(blocks)} blocks > {limit}")
    if modal:
        for key in ("title", "close", "submit"):
            text = (payload.get(key) or {}).get("text", "")
            if key == "title" and not text or len(text) > VIEW_TITLE:
                problems.append(f"view {key} {text!r} not 1-{VIEW_TITLE} characters")
    elif not str(payload.get("text") or "").strip():
        problems.append("empty fallback text")

    action_ids: list[str] = []
    block_ids: list[str] = []

    def text_of(obj, where: str, limit: int) -> None:
        if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
            problems.append(f"{where}: not a text object: {obj!r}"[:200])
            return
        text = obj.get("text", "")
        if not text.strip():
            problems.append(f"{where}: empty text")
        if len(text) > limit:
            problems.append(f"{where}: {len(text)} characters > {limit}")

    def element(el: dict, where: str) -> None:
        if el.get("action_id") is not None:
            action_ids.append(el["action_id"])
            if len(el["action_id"]) > ACTION_ID:
                problems.append(f"{where}: action_id longer than {ACTION_ID}")
        if el.get("type") == "button":
            if el.get("text", {}).get("type") != "plain_text":
                problems.append(f"{where}: button text must be plain_text")
            text_of(el.get("text"), f"{where} button text", BUTTON_TEXT)
            if len(el.get("value") or "") > BUTTON_VALUE:
                problems.append(f"{where}: button value {len(el['value'])} characters > {BUTTON_VALUE}")

    for i, block in enumerate(blocks):
        kind, where = block.get("type"), f"block {i} ({block.get('type')})"
        if block.get("block_id") is not None:
            block_ids.append(block["block_id"])
            if len(block["block_id"]) > BLOCK_ID:
                problems.append(f"{where}: block_id longer than {BLOCK_ID}")
        if kind == "section":
            if "text" not in block and "fields" not in block:
                problems.append(f"{where}: neither text nor fields")
            if "text" in block:
                text_of(block["text"], where, TEXT_LIMIT)
            fields = block.get("fields") or []
            if len(fields) > MAX_FIELDS:
                problems.append(f"{where}: {len(fields)} fields > {MAX_FIELDS}")
            for field in fields:
                text_of(field, f"{where} field", FIELD_LIMIT)
            if isinstance(block.get("accessory"), dict):
                element(block["accessory"], f"{where} accessory")
        elif kind == "header":
            if block.get("text", {}).get("type") != "plain_text":
                problems.append(f"{where}: header text must be plain_text")
            text_of(block.get("text"), where, HEADER_LIMIT)
        elif kind == "context":
            els = block.get("elements") or []
            if not 1 <= len(els) <= CONTEXT_ELEMENTS:
                problems.append(f"{where}: {len(els)} elements, not 1-{CONTEXT_ELEMENTS}")
            for el in els:
                if el.get("type") in ("plain_text", "mrkdwn"):
                    text_of(el, f"{where} element", TEXT_LIMIT)
        elif kind == "actions":
            els = block.get("elements") or []
            if not 1 <= len(els) <= ACTIONS_ELEMENTS:
                problems.append(f"{where}: {len(els)} elements, not 1-{ACTIONS_ELEMENTS}")
            for el in els:
                element(el, where)
        elif kind != "divider":
            problems.append(f"{where}: unexpected block type")

    for name, ids in (("action_id", action_ids), ("block_id", block_ids)):
        duplicates = sorted({x for x in ids if ids.count(x) > 1})
        if duplicates:
            problems.append(f"duplicate {name}s: {duplicates}")
    return problems


def message(m: SlackMessage) -> dict:
    assert all(isinstance(b, dict) for b in m.blocks), "SlackMessage.blocks are plain dicts"
    return {"text": m.text, "blocks": m.blocks}


def assert_fits(payload: dict, *, modal: bool = False, what: str = "") -> None:
    problems = slack_limit_problems(payload, modal=modal)
    assert not problems, f"{what}: {problems}"


# ---- the validator catches what it should ----------------------------------------------------------------
def _button(action_id: str, text: str = "Open", value: str = "{}") -> dict:
    return {"type": "button", "action_id": action_id, "text": {"type": "plain_text", "text": text}, "value": value}


def _section(text: str = "hello", **extra) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}} | extra


GOOD = {"text": "fallback", "blocks": [
    {"type": "header", "text": {"type": "plain_text", "text": "Title"}},
    _section(accessory=_button("open_entry_0")),
    {"type": "context", "elements": [{"type": "mrkdwn", "text": "Source"}]},
    {"type": "actions", "elements": [_button("vote_helpful"), _button("vote_not_helpful")]},
]}

BAD = {
    "51 blocks": {"text": "t", "blocks": [_section() for _ in range(51)]},
    "section text 3001": {"text": "t", "blocks": [_section("x" * 3001)]},
    "context text 3001": {"text": "t", "blocks": [{"type": "context", "elements": [{"type": "mrkdwn",
                                                                                   "text": "x" * 3001}]}]},
    "header 151": {"text": "t", "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}]},
    "button text 76": {"text": "t", "blocks": [{"type": "actions", "elements": [_button("a", text="x" * 76)]}]},
    "button value 2001": {"text": "t", "blocks": [{"type": "actions", "elements": [_button("a", value="x" * 2001)]}]},
    "duplicate action_id via accessory": {"text": "t", "blocks": [
        _section(accessory=_button("open_entry_1")), {"type": "actions", "elements": [_button("open_entry_1")]}]},
    "empty fallback text": {"text": " ", "blocks": [_section()]},
    "empty section text": {"text": "t", "blocks": [_section("")]},
}


def test_validator_accepts_a_good_message():
    assert slack_limit_problems(GOOD) == []
    assert slack_limit_problems({"type": "modal", "title": {"type": "plain_text", "text": "Full guidance"},
                                 "blocks": [_section() for _ in range(100)]}, modal=True) == []


@pytest.mark.parametrize("name", list(BAD))
def test_validator_rejects_a_bad_message(name):
    assert slack_limit_problems(BAD[name]), name


def test_validator_rejects_a_bad_modal():
    view = {"type": "modal", "title": {"type": "plain_text", "text": "x" * 25}, "blocks": [_section()] * 101}
    assert len(slack_limit_problems(view, modal=True)) == 2


# ---- everything the bot renders ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def guide(config, index, tmp_path_factory) -> Guide:
    return Guide(config, index, open_store(tmp_path_factory.mktemp("limits") / "bot.sqlite3"))


def answer_variants() -> list[dict]:
    """answer_blocks keyword sets: in a channel (pinnable), in a DM, and private."""
    return [{"ephemeral": False}, {"ephemeral": True}, {"ephemeral": False, "pinnable": True}]


def entry_replies(guide: Guide, entry) -> list:
    replies = [guide.open_entry(entry.id), guide.open_entry(entry.id, query=entry.title)]  # the latter has others
    if isinstance(entry, SurveyEntry):
        replies += [guide.open_entry(entry.id, query=entry.title, statement=i) for i in range(len(entry.statements))]
    return replies


def test_every_entry_fits_in_a_message_and_a_modal(guide, pack):
    checked = 0
    for entry in pack.entries:
        for reply in entry_replies(guide, entry):
            for kw in answer_variants():
                assert_fits(message(answer_blocks(reply, **kw)), what=f"{entry.id} s={reply.statement} {kw}")
                checked += 1
            assert_fits(full_guidance_view(reply).to_dict(), modal=True, what=f"{entry.id} modal")
    statements = sum(len(e.statements) for e in pack.entries if isinstance(e, SurveyEntry))
    assert statements > 0 and checked >= len(pack.entries) * 2 * len(answer_variants())


@pytest.mark.parametrize("question", [
    "what colour is the sky in inspection",           # abstains with suggestions
    "what is the pay rise this year",                  # off-topic
    "",                                                # empty
    "<@UBOT>",                                         # only markup
    ":tada: :smile:",                                  # only emoji
    "<!channel> <@U999> & <b>bold</b> " + "x" * 5000,  # long, and escaping makes it longer
])
def test_abstain_replies_fit(guide, question):
    reply = guide.ask(question, via="test")
    if not reply.answered:
        assert_fits(message(abstain_blocks(reply)), what=repr(question[:40]))
    assert_fits(message(answer_blocks(reply)), what=repr(question[:40]))


def test_abstain_with_suggestions_has_unique_buttons(guide):
    reply = guide.ask("what colour is the sky in inspection", via="test")
    assert not reply.answered and reply.others
    rendered = abstain_blocks(reply)
    ids = [e["action_id"] for b in rendered.blocks if b["type"] == "actions" for e in b["elements"]]
    assert ids == [f"did_you_mean_{i}" for i in range(len(reply.others[:3]))] + ["ask_rep"]


def test_a_long_title_on_a_button_keeps_its_end(pack, config):
    """Round 28's content audit: "Did you mean" buttons cut a title at Slack's 75 characters with
    no mark, dropping its end: "(NASUWT)" (whose words), "not current practice" (when it held)."""
    from bot.rep_blocks import entry_options
    from bot.replies import Reply
    from bot.search import Match

    long = [e for e in pack.entries if len(e.title) > 75]
    assert long, "the pack has no title longer than a button"
    reply = Reply(query="q", answered=False, contact=config.contact, others=tuple(Match(e, 0.2) for e in long[:3]))
    buttons = [e["text"]["text"] for b in abstain_blocks(reply).blocks if b["type"] == "actions"
               for e in b["elements"] if e["action_id"].startswith("did_you_mean")]
    options = [o["text"]["text"] for o in entry_options(long[:3])]
    for shown in (buttons, options):
        assert len(shown) == len(long[:3])
        for text, e in zip(shown, long, strict=False):
            assert len(text) <= 75 and " … " in text and text.endswith(e.title[-8:]), (text, e.title)


def test_a_long_which_question_list_fits_and_numbers_every_button(guide, pack):
    """A section named alone lists every question of it: in a bigger pack (here made up of
    all 95 entries) the buttons run over several actions blocks and the list over several
    sections, within Slack's limits, each button unique."""
    from bot.results import Match
    reply = guide.ask("what should I put for the safeguarding question?", via="test")
    assert reply.ambiguous and reply.whole_section
    big = dataclasses.replace(reply, others=tuple(Match(e, 0.5) for e in pack.entries if e.id != reply.entry.id))
    rendered = message(answer_blocks(big))
    assert_fits(rendered, what="95 options")
    ids = [e["action_id"] for b in rendered["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert len(ids) == len(pack.entries) and len(set(ids)) == len(ids)


def test_lists_and_notices_fit(guide, pack):
    assert_fits(message(sections_blocks(guide.sections())), what="sections")
    all_ids = [e.id for e in pack.entries]
    assert_fits(message(matches_blocks(guide.matches_for(all_ids[:5], "q"))), what="matches")
    assert_fits(message(matches_blocks(guide.matches_for(all_ids, "q" * 3000))), what="matches, all ids")
    assert_fits(message(matches_blocks(guide.matches_for([], ""))), what="no matches")
    assert_fits(message(text_blocks(help_text("/biglisten"))), what="help")
    assert_fits(message(text_blocks("x" * 5000)), what="long notice")


def test_a_survey_list_too_long_for_a_message_says_what_it_left_out(guide, pack):
    """Round 13: 50 blocks cut the middle of the list, silently ("Thing 11" gone, 10 then 12)."""
    survey = [e for e in pack.entries if isinstance(e, SurveyEntry)]
    many = [(f"Section {i}", survey) for i in range(4)]   # 4 x (1 + 19) blocks + a header
    rendered = message(sections_blocks(many))
    assert_fits(rendered, what="long sections list")
    shown = shown_text(rendered["blocks"])
    opened = sum(1 for _ in elements(rendered["blocks"]))
    assert f"… and {4 * len(survey) - opened} more questions not shown here" in shown


def test_a_huge_entry_still_fits(guide, pack, config):
    """Far past anything in the pack: 60 statements and paragraphs of 3,500 characters full of &, < and >."""
    base = next(e for e in pack.entries if isinstance(e, SurveyEntry) and e.statements)
    para = ("Teachers & leaders <said> " * 140)[:3500]
    huge = dataclasses.replace(
        base, title="T" * 400, question=para, options=tuple(f"option {i} " * 40 for i in range(30)),
        statements=tuple(Statement(text=para, commentary=(para, para)) for _ in range(60)),
        commentary=tuple(para for _ in range(40)))
    others = guide.open_entry(base.id, query=base.title).others
    for statement in (None, 0, 59):
        reply = entry_reply(huge, pack, config.contact, query="q" * 4000, statement=statement, others=others)
        for kw in answer_variants():
            built = message(answer_blocks(reply, **kw))
            assert_fits(built, what=f"huge s={statement} {kw}")
            shown = shown_text(built["blocks"])   # what must survive any cut: source, answer, full guidance
            assert "Source: NASUWT commentary" in shown and "NASUWT advises" in shown   # the answer comes first
            assert any(e.get("action_id") == "show_full_guidance" for e in elements(built["blocks"]))
        modal = full_guidance_view(reply).to_dict()
        assert_fits(modal, modal=True, what=f"huge modal s={statement}")
        assert "Source: NASUWT commentary" in shown_text(modal["blocks"])
