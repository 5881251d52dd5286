"""The Slack view of a Reply: Block Kit built with slack_sdk.models.blocks.

Slack refuses a message whose section text passes 3,000 characters or which has more than
50 blocks (`invalid_blocks`), so long text is split across sections and the middle of an
oversized message is cut. A message is bot/replies.py's short view (what was asked, first);
the rest is behind a "Show full guidance" button that opens the full view in a modal.
Everything that came from a member is escaped and can never ping @channel or a user.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.knowledge import SurveyEntry
from bot.normalise import clean_slack_text, echo_text
from bot.replies import (
    CLIPPED,
    Line,
    Reply,
    abstain_lines,
    also_line,
    ambiguity_choice,
    ambiguity_head,
    asked_view,
    chitchat_lines,
    close_matches,
    full_lines,
    guidance_label,
    pinned_line,
    position_line,
    reply_lines,
    reply_title,
    status_line,
    union_name,
    verdict_of,
)

SECTION_LIMIT = 3000     # Slack: characters in one section's text
MESSAGE_BLOCKS = 50      # Slack: blocks in one message
MODAL_BLOCKS = 100       # Slack: blocks in one modal view
BUTTON_VALUE_LIMIT = 2000
ACTIONS_LIMIT = 25       # Slack: elements in one actions block
HEADER_LIMIT = 150
QUERY_ECHO_LIMIT = 200   # characters of a member's question we quote back

# action_ids, shared with handlers/actions.py
OTHER_MATCHES = "other_matches"
VOTE_HELPFUL = "vote_helpful"
VOTE_NOT_HELPFUL = "vote_not_helpful"
SHARE = "share_answer"
SHOW_FULL = "show_full_guidance"
DID_YOU_MEAN = "did_you_mean"    # suffixed _0, _1, _2: action ids must be unique in a message
OPEN_ENTRY = "open_entry"        # suffixed likewise, from the "Other matches" list
PIN = "pin_answer"               # rep only, checked on the server
UNPIN = "unpin_answer"           # suffixed _0, _1, ... in the pins list
ASK_REP = "ask_rep"              # "Ask a rep" (issue 9): opens a confirm modal, handlers/rep_requests.py


@dataclass(frozen=True)
class SlackMessage:
    """What a handler posts: the plain-text fallback and the blocks (as dicts)."""

    text: str
    blocks: list[dict]


def escape(text: str) -> str:
    """Slack mrkdwn escaping: &, < and > are the only control characters.

    With < and > escaped, "<!channel>" or "<@U123>" typed by a member shows as text and
    pings nobody; a bare "@channel" is plain text in API messages without link_names.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def echo(member_text: str) -> str:
    """A member's own words, shortened and made inert, for quoting back to them."""
    text = " ".join(member_text.split())
    if len(text) > QUERY_ECHO_LIMIT:
        text = text[: QUERY_ECHO_LIMIT - 1] + "…"
    return escape(text).replace("@", "@\u200b").replace("*", "").replace("_", " ").replace("`", "'")


QUESTION_LIMIT = 1200   # characters of a member's question a button carries (its start and its end)


def button_value(**data) -> str:
    """Compact JSON for a button's value, kept under Slack's 2,000 characters. The question
    rides along without Slack markup: no user ids or <!channel> end up in votes or pins. A long
    one keeps its start and its end ("Ask a rep" sent reps only its first 500 characters, and a
    story's question comes last), shorter still if escaping it would pass the limit."""
    question = " ".join(clean_slack_text(data["q"]).split()) if data.get("q") else ""
    limit = QUESTION_LIMIT
    while True:
        if question:
            data["q"] = clip_middle(question, limit)
        value = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        if len(value) <= BUTTON_VALUE_LIMIT or not question or limit <= 100:
            return value[:BUTTON_VALUE_LIMIT]
        limit //= 2


# What answers quote, as App Home and `/biglisten help` say it
ANSWERS_QUOTE = ("Answers quote their sources word for word (the union's commentary, Ofsted's and the press's "
                 "texts), say whose words each is and when, and name the source; a rep's answer says it is a rep's.")
# Slack: characters of a button's (or an option's) text. A longer title keeps its end ("(NASUWT)",
# "not current practice": whose words, when they held), its middle cut ("…").
BUTTON_TEXT_LIMIT = 75


def clip_middle(text: str, limit: int) -> str:
    """`text` in at most `limit` characters: its start and its end around " … "."""
    if len(text) <= limit:
        return text
    half = (limit - 3) // 2
    return f"{text[:half].rstrip()} … {text[len(text) - half:].lstrip()}"


def _sections(lines: list[str], heading: str = "") -> tuple[list[SectionBlock], bool]:
    """Pack lines into as few sections as fit Slack's 3,000-character limit. A single line
    too long for one section is cut at a space (never inside an &amp; entity); the second
    value says whether anything was cut."""
    blocks, current, cut = [], heading, False
    for line in lines:
        if len(line) > SECTION_LIMIT - 10:
            line, cut = _cut(line, SECTION_LIMIT - 11), True
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > SECTION_LIMIT:
            blocks.append(SectionBlock(text=MarkdownTextObject(text=current)))
            current = line
        else:
            current = candidate
    if current:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=current)))
    return blocks, cut


def break_at(line: str, limit: int, start: int = 0) -> int:
    """Where to break an escaped line to keep under `limit` characters: at its last space after
    `start` if there is one, else at `limit`, never inside an &amp;-style entity."""
    end = line.rfind(" ", start, limit)
    if end <= start:
        end = limit
        amp = line.rfind("&", 0, end)
        if amp != -1 and ";" not in line[amp:end]:
            end = amp
    return end


def _cut(line: str, limit: int) -> str:
    """Shorten an escaped line to under `limit` characters (see `break_at`), marked with "…"."""
    return line[:break_at(line, limit)] + " …"


def button_ref(value: str | None) -> dict:
    """Read back a button_value; anything malformed (old or forged) reads as {}."""
    try:
        ref = json.loads(value or "{}")
    except ValueError:
        return {}
    return ref if isinstance(ref, dict) else {}


def ref_statement(ref: dict) -> int | None:
    return ref["s"] if isinstance(ref.get("s"), int) and not isinstance(ref.get("s"), bool) else None


def _section_list(lines: list[str], heading: str = "") -> list[SectionBlock]:
    return _sections(lines, heading)[0]


def line_mrkdwn(line: Line) -> str:
    """One reply line in Slack mrkdwn: the bot's label, then the quotation as a quote."""
    label = escape(line.label)
    if line.part == "lead" and label:
        label = f"*{label}*"
    elif line.part in ("body", "question", "since", "heading") and label and line.quote is not None:
        label = f"_{label}_"
    elif line.part in ("heading", "body") and label:
        label = f"*{label}*"
    if line.quote is None:
        return label
    return (f"{label}\n" if label else "") + f">{escape(line.quote.text)}"


def _line_blocks(lines: list[Line]) -> tuple[list[Block], bool]:
    """Consecutive lines of the same part share sections; status and source lines are
    small context blocks. The second value says whether a too-long line was cut."""
    blocks: list[Block] = []
    cut = False
    i = 0
    while i < len(lines):
        part = lines[i].part
        run = []
        while i < len(lines) and lines[i].part == part:
            run.append(lines[i])
            i += 1
        if part in ("status", "source", "note"):
            blocks += [ContextBlock(elements=[MarkdownTextObject(text=escape(ln.label)[:SECTION_LIMIT])])
                       for ln in run]
            continue
        if part == "question" and blocks:
            blocks.append(DividerBlock())
        sections, c = _sections([line_mrkdwn(ln) for ln in run])
        blocks += sections
        cut = cut or c
    return blocks, cut


def answer_blocks(reply: Reply, *, ephemeral: bool = False, pinnable: bool = False) -> SlackMessage:
    """The answer, short: what was asked first (the union's guidance, with its kind), the
    survey wording briefly, the consultation's status, the source; everything else behind
    "Show full guidance" (the modal).

    `ephemeral` adds "Share in channel"; `pinnable` (answers posted in a channel) adds
    "Pin", shown to everyone and honoured only for reps. The header, the answer, the
    source and the buttons always survive Slack's 50-block limit; the middle is cut.
    """
    if reply.chitchat:
        return chitchat_blocks(reply)
    if not reply.answered:
        return abstain_blocks(reply)
    if reply.ambiguous:
        return ambiguity_blocks(reply)
    e = reply.entry
    head: list[Block] = [HeaderBlock(text=PlainTextObject(text=reply_title(reply)[:HEADER_LIMIT]))]
    if reply.pinned:
        pinned = f":pushpin: {escape(pinned_line(reply.pinned))}"
        head.append(ContextBlock(elements=[MarkdownTextObject(text=pinned)]))
    if reply.also:   # of two questions asked, the other one's answer a press away (asked as that question)
        head.append(SectionBlock(text=MarkdownTextObject(text=escape(also_line(reply)))))
        head.append(_did_you_mean([reply.also[1]], reply.also[0], asker=reply.asker))
    close = close_matches(reply)
    if close:
        # "the safeguarding question" fits several questions almost equally: say so before
        # the answer, so nobody takes one question's suggested answer for another's.
        head.append(SectionBlock(text=MarkdownTextObject(
            text="*Several questions match yours.* This answer is for the one below; did you mean another?")))
        head.append(_did_you_mean(close, reply.query, 1 if reply.also else 0, asker=reply.asker))
    lines = reply_lines(reply)
    hidden = any(ln.part == "note" for ln in lines)
    lead = [ln for ln in lines if ln.part == "lead"]
    rest = [ln for ln in lines if ln.part not in ("lead", "status", "source", "note")]
    tail_lines = [ln for ln in lines if ln.part in ("status", "source")]
    lead_blocks, cut_lead = _line_blocks(lead)
    if isinstance(e, SurveyEntry) and not reply.parts:
        lead_blocks.append(ContextBlock(elements=[MarkdownTextObject(text=escape(position_line(reply)))]))
    body, truncated = _line_blocks(rest)
    if body and not isinstance(body[0], DividerBlock):
        body.insert(0, DividerBlock())   # between the answer and the survey wording
    tail, _ = _line_blocks(tail_lines)
    room = MESSAGE_BLOCKS - len(head) - len(lead_blocks) - len(tail) - 1   # -1: the buttons
    if len(body) > room:
        body = body[: room - 1] + [SectionBlock(text=MarkdownTextObject(
            text="_…shortened to fit Slack: press *Show full guidance* for the rest._"))]
        truncated = True
    truncated = truncated or cut_lead or hidden
    tail.append(_answer_actions(reply, ephemeral=ephemeral, truncated=truncated, pinnable=pinnable))
    blocks = head + lead_blocks + body + tail
    return SlackMessage(text=fallback_text(reply), blocks=[b.to_dict() for b in blocks])


def _answer_actions(reply: Reply, *, ephemeral: bool, truncated: bool, pinnable: bool) -> ActionsBlock:
    ref = button_value(e=reply.entry.id, s=reply.statement, q=reply.query, **asked_by(reply.asker))
    buttons = []
    if ephemeral:
        buttons.append(ButtonElement(text="Share in channel", action_id=SHARE, value=ref, style="primary"))
    if truncated:
        buttons.append(ButtonElement(text="Show full guidance", action_id=SHOW_FULL, value=ref))
    if reply.others:
        buttons.append(ButtonElement(text="Other matches", action_id=OTHER_MATCHES,
                                     value=button_value(ids=[m.entry.id for m in reply.others[:5]], q=reply.query,
                                                        **asked_by(reply.asker))))
    buttons.append(ButtonElement(text="Helpful", action_id=VOTE_HELPFUL, value=ref))
    buttons.append(ButtonElement(text="Not helpful", action_id=VOTE_NOT_HELPFUL, value=ref))
    if pinnable and not ephemeral:
        buttons.append(ButtonElement(text="Pin (reps)", action_id=PIN, value=ref))
    return ActionsBlock(elements=buttons)


def abstain_blocks(reply: Reply) -> SlackMessage:
    """"I don't know": what was searched, up to three "did you mean" buttons, who to ask."""
    lines = abstain_lines(reply)
    head = lines[0]
    if reply.query.strip() and not reply.empty_query:
        head += f"\nYou asked: _{echo(echo_text(reply.query))}_"
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=head)),
                           ContextBlock(elements=[MarkdownTextObject(text=escape(reply.contact))])]
    if reply.others:
        blocks.append(SectionBlock(text=MarkdownTextObject(text="*Did you mean…*")))
        blocks.append(_did_you_mean(reply.others[:3], reply.query, asker=reply.asker))
    if reply.consultation:   # survey questions suggested: whether the survey is still open
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=escape(status_line(reply.consultation,
                                                                                        survey=False)))]))
    if reply.query.strip() and not reply.empty_query:
        blocks.append(ask_rep_button(reply.query, reply.asker))
    return SlackMessage(text=escape(lines[0] + " " + reply.contact), blocks=_fit(blocks))


def ask_rep_button(question: str, asker: str = "") -> ActionsBlock:
    """"Ask a rep": nothing is sent until the member confirms in the modal it opens; it carries
    who asked (`u`), for no one else may send their words to the reps as their own."""
    value = button_value(q=question, **asked_by(asker))
    return ActionsBlock(elements=[ButtonElement(text="Ask a rep", action_id=ASK_REP, value=value)])


def chitchat_blocks(reply: Reply) -> SlackMessage:
    """A greeting or thanks: one friendly line on what the bot can help with, and the
    walk-through's button (it starts in the member's DM with the bot)."""
    from bot.walk_blocks import start_button
    line = chitchat_lines(reply, or_button=", or press the button below" if reply.walk is not None else "",
                          slack=True)[0]
    button = start_button(section=reply.walk) if reply.walk else start_button()
    return SlackMessage(text=escape(line), blocks=_fit([SectionBlock(text=MarkdownTextObject(text=escape(line))),
                                                        ActionsBlock(elements=[button])]))


def ambiguity_blocks(reply: Reply) -> SlackMessage:
    """Two entries fit near-equally (the schools and SEND versions of one priority): ask which
    one was meant, with the did-you-mean buttons, rather than answer the wrong one."""
    prompt, places = ambiguity_choice(reply)
    options = [m for m, _ in places]
    head = (f"*{escape(prompt)}*" if prompt
            else "*Which did you mean?* Your question fits more than one part of the survey:")
    lines = [f"• {escape(m.entry.title)}" + (f" ({escape(place)})" if place else "") for m, place in places]
    claim = ambiguity_head(reply)   # a quotation's verdict, or a claimed option that holds for none: said first
    if claim:
        head = f"{escape(claim)}\n{head}"
    listed, _ = _sections(lines, head)
    buttons = [_did_you_mean(options[i:i + ACTIONS_LIMIT], reply.query, start=i, asker=reply.asker)
               for i in range(0, len(options), ACTIONS_LIMIT)]
    blocks: list[Block] = [*listed, *buttons]
    if reply.clipped:   # a long message: read at its start and its end, as every other reply says
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=escape(CLIPPED))]))
    text = (f"{escape(claim)} " if claim else "") + (prompt or "Which did you mean?") + " " + \
        "; ".join(escape(m.entry.title) for m in options)
    return SlackMessage(text=text, blocks=_fit(blocks))


def asked_by(asker: str) -> dict:
    """A button value's record of who asked the question it carries (`u`), so the answer it
    opens keeps it: "Ask a rep" under any copy of a member's answer is theirs alone."""
    return {"u": asker} if asker else {}


def _did_you_mean(matches, query: str, start: int = 0, *, asker: str = "") -> ActionsBlock:
    """One button per suggested entry, each opening that entry's answer (at most
    ACTIONS_LIMIT; `start` numbers them on from an earlier block's)."""
    return ActionsBlock(elements=[
        ButtonElement(text=clip_middle(m.entry.title, BUTTON_TEXT_LIMIT), action_id=f"{DID_YOU_MEAN}_{start + i}",
                      value=button_value(e=m.entry.id, q=query, **asked_by(asker)))
        for i, m in enumerate(matches)])


def fallback_text(reply: Reply) -> str:
    """The notification / screen-reader text: title and the suggested answer in one line."""
    if not reply.answered:
        return escape(abstain_lines(reply)[0])
    text = reply_title(reply)
    kinds = {g.kind for g in reply.guidance}
    view = asked_view(reply) if isinstance(reply.entry, SurveyEntry) and not reply.parts else ()
    answers = [g for g in reply.guidance if g.kind == "answer"]
    union = union_name(reply.source)
    if view and answers:   # asked what the union thinks: its view leads
        text += f" — {union}'s view, and its suggested answer to the survey question"
    elif answers:   # a suggested answer is never shown without whose it is, when, and its whole basis
        text += f" — {guidance_label(answers[0], reply)} “{answers[0].basis}”"
    elif "advice" in kinds:
        text += f" — {union}'s advice on what to write"
    elif "view" in kinds:
        text += f" — {union}'s view"
    elif isinstance(reply.entry, SurveyEntry) and not reply.parts and (said := verdict_of(reply.guidance, reply)):
        text += f" — {said.removesuffix('.')}"   # the reply's own verdict line
    if reply.consultation:   # "can I still respond?"; a survey answer says the advice was for then
        text += f" — {status_line(reply.consultation, survey=isinstance(reply.entry, SurveyEntry))}"
    return escape(text)


def matches_blocks(reply: Reply) -> SlackMessage:
    """"Other matches": the runners-up, each with a button to open it."""
    if not reply.others:
        return text_blocks("No other matches.")
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text="*Other matches*"))]
    for i, m in enumerate(reply.others[:5]):
        blocks.append(SectionBlock(
            text=MarkdownTextObject(text=f"*{escape(m.entry.title)}*\n{escape(m.entry.kind)} · `{m.entry.id}`"),
            accessory=ButtonElement(text="Open", action_id=f"{OPEN_ENTRY}_{i}",
                                    value=button_value(e=m.entry.id, q=reply.query, **asked_by(reply.asker)))))
    return SlackMessage("Other matches: " + "; ".join(escape(m.entry.title) for m in reply.others[:5]), _fit(blocks))


def full_guidance_view(reply: Reply) -> View:
    """A modal with everything: every quotation of the entry with its speaker and date,
    Ofsted's framing, all statements and all the union's commentary and guidance."""
    lines = full_lines(reply)
    tail_lines = [ln for ln in lines if ln.part in ("status", "source")]
    blocks, _ = _line_blocks([ln for ln in lines if ln.part not in ("status", "source", "note")])
    tail, _ = _line_blocks(tail_lines)
    blocks = blocks[: MODAL_BLOCKS - len(tail)] + tail   # the source always survives
    return View(type="modal", title=PlainTextObject(text="Full guidance"), close=PlainTextObject(text="Close"),
                blocks=blocks)


def text_blocks(text: str) -> SlackMessage:
    """A short notice from the bot itself (help, errors, confirmations)."""
    return SlackMessage(text, _fit([SectionBlock(text=MarkdownTextObject(text=text[:SECTION_LIMIT]))]))


def _fit_list(blocks: list[Block], command: str = "/biglisten") -> list[dict]:
    """A list of questions within 50 blocks: what doesn't fit is counted, never cut silently."""
    if len(blocks) > MESSAGE_BLOCKS:
        left = sum(1 for b in blocks[MESSAGE_BLOCKS - 1:] if isinstance(b, SectionBlock) and b.accessory)
        notice = (f"… and {left} more question{'s' if left != 1 else ''} not shown here: ask me about one, or go "
                  f"through them all with `{escape(command)} walkthrough`.")
        blocks = blocks[: MESSAGE_BLOCKS - 1] + [ContextBlock(elements=[MarkdownTextObject(text=notice)])]
    return [b.to_dict() for b in blocks]


def _fit(blocks: list[Block]) -> list[dict]:
    """Keep within 50 blocks: the actions (last) always survive, the middle is trimmed."""
    if len(blocks) > MESSAGE_BLOCKS:
        blocks = blocks[: MESSAGE_BLOCKS - 1] + blocks[-1:]
    return [b.to_dict() for b in blocks]


GONE_TEXT = "That entry is no longer in the guidance."
SORRY_TEXT = ("Sorry, something went wrong while I was looking that up. Please try again in a minute; "
              "if it keeps happening, tell a rep.")
UNSURE_SHARE_TEXT = ("I couldn't tell whether the answer you shared reached the channel. If it isn't there, "
                     "press Share on your copy again.")


def sections_blocks(sections, title: str = "The survey", command: str = "/biglisten") -> SlackMessage:
    """Browse the survey: each section with its questions, each openable by button."""
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text=f"{title}, by section"[:HEADER_LIMIT]))]
    n = 0
    for section, entries in sections:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=f"*{escape(section)}*")))
        for e in entries:
            n += 1
            blocks.append(SectionBlock(
                text=MarkdownTextObject(text=f"{escape(e.priority)}: {escape(e.title)}"),
                accessory=ButtonElement(text="Open", action_id=f"{OPEN_ENTRY}_{n}", value=button_value(e=e.id))))
    return SlackMessage(f"{title}, by section", _fit_list(blocks, command))


def pack_line(pack, status: str) -> str:
    """"*Ofsted's Big Listen (2024)*: closed on 31 May 2024"."""
    return f"*{escape(pack.title)}*" + (f": {escape(status)}" if status else "")


def packs_blocks(packs, command: str = "/biglisten") -> SlackMessage:
    """`sections` with several packs: each pack (title and status), then its survey by
    section, each question openable by button. `packs`: [(pack, status, sections)]."""
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text="The consultations, by section"))]
    n = 0
    for pack, status, sections in packs:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=pack_line(pack, status))))
        for section, entries in sections:
            blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"*{escape(section)}*")]))
            for e in entries:
                n += 1
                blocks.append(SectionBlock(
                    text=MarkdownTextObject(text=f"{escape(e.priority)}: {escape(e.title)}"),
                    accessory=ButtonElement(text="Open", action_id=f"{OPEN_ENTRY}_{n}", value=button_value(e=e.id))))
    text = "The consultations: " + "; ".join(f"{p.title}" + (f" ({st})" if st else "") for p, st, _ in packs)
    return SlackMessage(text, _fit_list(blocks, command))


def pins_blocks(pins, pack, *, rep: bool) -> SlackMessage:
    """`/biglisten pins`: pinned answers with links to the messages; reps get Unpin buttons.
    `pack`: what names the pinned entries (a Pack, or the Library of every pack)."""
    if not pins:
        return text_blocks("No answers are pinned yet. Reps can pin a good answer with its Pin button.")
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text="Pinned answers"))]
    shown = pins[: MESSAGE_BLOCKS - 2]   # the newest; a line says how many more (they were left out unsaid)
    for i, pin in enumerate(shown):
        text = f"{_pin_link(pin, pack)}\n{escape(pinned_line(pin))}"
        if pin.question and rep:   # the asker's words may come from a private answer: reps only
            text += f" · asked: _{echo(echo_text(pin.question))}_"
        accessory = None
        if rep:
            accessory = ButtonElement(text="Unpin", action_id=f"{UNPIN}_{i}", style="danger",
                                      value=button_value(c=pin.channel, t=pin.message_ts))
        blocks.append(SectionBlock(text=MarkdownTextObject(text=text), accessory=accessory))
    if len(pins) > len(shown):
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=more_pins(len(pins) - len(shown), rep=rep))]))
    return SlackMessage(f"{len(pins)} pinned answers", _fit(blocks))


def more_pins(left: int, *, rep: bool, command: str = "") -> str:
    """The line under a list of pins that doesn't hold them all."""
    line = f"… and {left} older pinned answer{'s' if left != 1 else ''} not listed here"
    if command:
        return f"{line}: `{escape(command)} pins` lists more."
    return line + (": unpin some you no longer need (here or in Slack) to see them." if rep else ".")


def _pin_link(pin, pack) -> str:
    """The pinned entry's title, linked to the pinned message when Slack gave a permalink."""
    entry = pack.get(pin.entry_id)
    title = escape(entry.title if entry else pin.entry_id)
    return f"<{pin.permalink}|{title}>" if pin.permalink.startswith("https://") else f"*{title}*"


def report_blocks(lines: list[str]) -> SlackMessage:
    """The gaps report as sections (its questions are members' words: escaped and inert)."""
    return SlackMessage(escape(lines[0]), _fit(_section_list([echo_line(line) for line in lines])))


def echo_line(line: str) -> str:
    return escape(echo_text(line)).replace("@", "@\u200b")


def home_view(sections, pins, pack, *, command: str, report_lines: list[str] | None = None,
              packs=None, problems: list[str] | None = None, title: str = "") -> View:
    """The App Home tab: how to ask, the packs and their status, the survey by section,
    pinned answers; reps see the gaps and any pack edit that was refused.
    `packs`: [(pack, status)]; `problems`: one line per refused edit (reps only); `pack`: what
    names the pinned entries (a Pack, or the Library of every pack: then give `title`)."""
    from bot.walk_blocks import start_button
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=(title or pack.title)[:HEADER_LIMIT])),
        SectionBlock(text=MarkdownTextObject(text=(
            f"*How to ask*\n• Mention me in a channel: `@bot what should I put for the safeguarding question?`\n"
            f"• Send me a direct message.\n• Use `{escape(command)} <question>` anywhere, "
            f"`{escape(command)} sections` to browse, `{escape(command)} pins` for pinned answers, "
            f"`{escape(command)} walkthrough` to go through the survey question by question.\n"
            + ANSWERS_QUOTE))),
    ]
    if packs:
        blocks += [DividerBlock(), HeaderBlock(text=PlainTextObject(text="Consultations"))]
        blocks += _section_list([pack_line(p, status) for p, status in packs])
    if problems:   # first, so the 100-block limit never cuts it
        blocks += [DividerBlock(), HeaderBlock(text=PlainTextObject(text="For reps: a pack edit was refused"))]
        blocks += _section_list([f"• {escape(p)}" for p in problems],
                                "The bot is still answering from the pack as it was before the edit:")
    blocks += [ActionsBlock(elements=[start_button()]),
               DividerBlock(), HeaderBlock(text=PlainTextObject(text="The survey, by section"))]
    for section, entries in sections:
        lines = [f"• {escape(e.priority)}: {escape(e.title)} (`{e.id}`)" for e in entries]
        listed = _section_list(lines, f"*{escape(section)}*")
        if listed and entries:   # the walk-through from this section's first question, in its own pack
            found = pack.find(entries[0].id) if hasattr(pack, "find") else None   # (the Library: which pack's)
            listed[0].accessory = start_button("Walk through", section=entries[0].section,
                                               pack=found[1].name if found else pack.name)
        blocks += listed
    blocks += [DividerBlock(), HeaderBlock(text=PlainTextObject(text="Pinned answers"))]
    if pins is None:   # the store couldn't be read
        blocks.append(SectionBlock(text=MarkdownTextObject(
            text="The pinned answers can't be read just now: open this tab again in a minute.")))
    elif pins:
        pin_lines = []
        for pin in pins[:20]:
            pin_lines.append(f"• {_pin_link(pin, pack)} ({escape(pinned_line(pin))})")
        if len(pins) > 20:
            pin_lines.append(more_pins(len(pins) - 20, rep=False, command=command))
        blocks += _section_list(pin_lines)
    else:
        blocks.append(SectionBlock(text=MarkdownTextObject(text="None yet.")))
    if report_lines is not None:
        blocks += [DividerBlock(), HeaderBlock(text=PlainTextObject(text="For reps: gaps this week"))]
        blocks += _section_list([echo_line(line) for line in report_lines])
    return View(type="home", blocks=blocks[:MODAL_BLOCKS])
