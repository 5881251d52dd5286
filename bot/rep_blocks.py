"""Block Kit for the "Ask a rep" loop (issue 9): the confirm modal, the request in the reps'
channel, the reps' modals, what the member receives, kept answers and the queue.

A rep's words are never the union's: every rep answer a member sees carries the label
"Answered by <rep name> on <date>, a rep's answer, not the union's published guidance".
Everything typed by a member or a rep is escaped and can never ping anyone.
"""
from __future__ import annotations

import json
import re
import time

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    ExternalDataSelectElement,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.blocks import (
    ASK_REP,
    BUTTON_TEXT_LIMIT,
    MESSAGE_BLOCKS,
    OPEN_ENTRY,
    SECTION_LIMIT,
    SlackMessage,
    _cut,
    _fit,
    answer_blocks,
    ask_rep_button,
    break_at,
    button_value,
    clip_middle,
    echo,
    escape,
)
from bot.config import RepSettings
from bot.kept import hidden_from, is_live, needs_review
from bot.normalise import echo_text, inert_text
from bot.replies import CLIPPED, Reply, status_line
from bot.store import KeptAnswer, RepRequest

# action ids and view callback ids, shared with handlers/rep_requests.py (ASK_REP: bot/blocks.py)
__all__ = ["ASK_REP"]
CONFIRM_VIEW = "ask_rep_confirm"     # the member's confirm modal
ANSWER = "rep_answer"                # on a request in the reps' channel
COVERED = "rep_covered"
OUTSIDE = "rep_outside"
ANSWER_VIEW = "rep_answer_view"
COVERED_VIEW = "rep_covered_view"
ENTRY_SELECT = "rep_entry"           # external_select: options come from handlers/rep_requests.py
WITHDRAW = "rep_withdraw"            # the member's, on their confirmation
KEPT_EDIT = "kept_edit"              # suffixed _<n> in lists: action ids must be unique in a message
KEPT_RETIRE = "kept_retire"
KEPT_CONFIRM = "kept_confirm"
KEPT_EDIT_VIEW = "kept_edit_view"
ANSWER_LIMIT = 2900                  # characters of a rep's answer (a section holds 3,000)
OPTION_LIMIT = BUTTON_TEXT_LIMIT      # Slack: characters of an option's text, as of a button's
NOT_GUIDANCE = "a rep's answer, not the union's published guidance"


def day(at: float) -> str:
    return time.strftime("%-d %B %Y", time.gmtime(at))


def rep_label(rep_name: str, at: float) -> str:
    """Whose words and when: on every rep answer a member sees."""
    return f"Answered by {rep_name or 'a rep'} on {day(at)}, {NOT_GUIDANCE}"


def kept_label(k: KeptAnswer) -> str:
    """A kept answer's label: when its words were written (answered, or edited: the editor's
    words), and, re-confirmed on a later day, when a rep last confirmed it (re-confirming records
    no rep, and moves only `confirmed_at`)."""
    label = rep_label(k.rep_name, k.answered_at)
    if day(k.confirmed_at) == day(k.answered_at):
        return label
    return f"{label}; last confirmed by a rep on {day(k.confirmed_at)}"


def age(seconds: float) -> str:
    hours = max(0, int(seconds // 3600))
    if hours < 1:
        return f"{max(0, int(seconds // 60))} min"
    return f"{hours} h" if hours < 48 else f"{hours // 24} days"


# "@channel", "@here", "@everyone" typed bare: kept from looking like a ping (escaping already
# stops "<!channel>"); any other "@" stays, so an email address in a rep's answer still works
_BARE_PING = re.compile(r"@(?=(?:channel|here|everyone)\b)", re.I)


def _quote_lines(text: str) -> list[str]:
    """Someone's own words, escaped (nothing pings anyone), each line marked as quoted."""
    body = _BARE_PING.sub("@\u200b", escape(text.strip()))
    return [">" + line.rstrip() for line in body.splitlines() or [""]]   # a line of spaces quotes nothing


def quoted(text: str, limit: int = 2900) -> str:
    """Someone's own words as an inert quote, at most `limit` characters (cut at a space, never
    inside an &amp; entity)."""
    out = "\n".join(_quote_lines(text))
    return out if len(out) <= limit else _cut(out, limit - 2)


def quoted_sections(text: str, limit: int = 2900) -> list[Block]:
    """A rep's whole answer as inert quoted sections, nothing cut: `quoted` lines packed into
    sections of at most `limit` characters (escaping and the quote marks make the text longer
    than the rep typed it), a longer line split at a space, never inside an &amp; entity."""
    assert limit > 12, "a section must hold a quote mark and an &amp; entity"
    pieces = []
    for line in _quote_lines(text):
        while len(line) > limit:
            end = break_at(line, limit, start=1)   # after the quote mark
            pieces.append(line[:end])
            line = ">" + line[end:].lstrip()
        pieces.append(line)
    chunks: list[str] = []
    for piece in pieces:
        if chunks and len(chunks[-1]) + 1 + len(piece) <= limit:
            chunks[-1] += "\n" + piece
        else:
            chunks.append(piece)
    return [SectionBlock(text=MarkdownTextObject(text=chunk)) for chunk in chunks]


def reply_message(reply: Reply, **render) -> SlackMessage:
    """What Guide.ask's reply looks like in Slack: a kept rep answer, or the guidance's."""
    return kept_reply_blocks(reply) if reply.kept else answer_blocks(reply, **render)


def confirm_view(question: str, name: str, *, channel_name: str, by_dm: bool, metadata: dict) -> View:
    """Exactly what will be shared, before anything is."""
    where = "by direct message" if by_dm else "in the thread where you asked"
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=f"This will be posted to the reps' channel {escape(channel_name)}:")),
        SectionBlock(text=MarkdownTextObject(text=f"*Your question*\n{quoted(question, 2000)}")),
        SectionBlock(text=MarkdownTextObject(text=f"*Your name*\n{escape(name)}")),
        ContextBlock(elements=[MarkdownTextObject(text=(
            f"A rep's answer comes to you {where}. It is a rep's own answer, not the union's published guidance. "
            "You can withdraw your question until a rep answers it."))]),
    ]
    return View(type="modal", callback_id=CONFIRM_VIEW, title=PlainTextObject(text="Ask a rep"),
                submit=PlainTextObject(text="Send to reps"), close=PlainTextObject(text="Cancel"),
                private_metadata=json.dumps(metadata, ensure_ascii=False, separators=(",", ":")), blocks=blocks)


def sent_message(req: RepRequest, text: str = "") -> SlackMessage:
    """The member's confirmation (or why the reps haven't seen it yet), with "Withdraw": a
    saved question can be withdrawn whether or not it has reached the reps' channel."""
    text = text or (f"Sent to the reps (request #{req.id}). A rep's answer will come to you here or by direct "
                    "message. You can withdraw your question until a rep answers it.")
    return SlackMessage(text, _fit([
        SectionBlock(text=MarkdownTextObject(text=escape(text))),
        ActionsBlock(elements=[ButtonElement(text="Withdraw my question", action_id=WITHDRAW,
                                             value=button_value(r=req.id), style="danger")])]))


def _asked(req: RepRequest) -> str:
    """The member's question as reps read it wherever they settle it: every address readable, none
    a link (normalise.inert_text)."""
    return quoted(inert_text(req.question), 2000)


def request_message(req: RepRequest, *, reminder: bool = False) -> SlackMessage:
    """A member's question in the reps' channel, with Answer / Covered / Outside."""
    head = f"*Question from {escape(req.asker_name[:200])}* (request #{req.id}, asked {day(req.created_at)})"
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=f"{head}\n{_asked(req)}"))]
    if req.state == "open":
        value = button_value(r=req.id)
        blocks.append(ActionsBlock(elements=[
            ButtonElement(text="Answer", action_id=ANSWER, value=value, style="primary"),
            ButtonElement(text="Covered by the guidance", action_id=COVERED, value=value),
            ButtonElement(text="Outside the guidance", action_id=OUTSIDE, value=value, confirm=ConfirmObject(
                title="Outside the guidance?", confirm="Yes, tell the member", deny="Cancel",
                text="The member is told at once that this is outside the guidance, with the contact line. "
                     "This settles the request and can't be undone."))]))
    else:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=escape(outcome_line(req)))]))
    text = f"Request #{req.id} from {req.asker_name}: {req.question}"[:300]
    if reminder:
        text = f"Still unanswered: {text}"
    return SlackMessage(escape(text), _fit(blocks))


def outcome_line(req: RepRequest) -> str:
    when = day(req.answered_at or time.time())
    who = req.rep_name or "a rep"
    return {"answered": f"Answered by {who} on {when}" + (" (kept for future members)" if req.kept_id else ""),
            "covered": f"Marked covered by the guidance ({req.entry_id}) by {who} on {when}",
            "outside": f"Marked outside the guidance by {who} on {when}",
            "withdrawn": f"Withdrawn by the member on {when}"}.get(req.state, req.state)


def closed_request_message(req: RepRequest, asker_name: str) -> SlackMessage:
    """The request once settled: who did what, when (the question stays unless withdrawn)."""
    if req.state == "withdrawn":
        line = f"Request #{req.id}: {outcome_line(req)}."
        return SlackMessage(escape(line), _fit([SectionBlock(text=MarkdownTextObject(text=escape(line)))]))
    settled = RepRequest(**{**req.__dict__, "asker_name": asker_name})
    return request_message(settled)


def escalation_text(req: RepRequest, hours: int) -> str:
    return f"Request #{req.id} has waited more than {hours} hours for a rep. Can someone answer it?"


def _entry_option(entry) -> Option:
    return Option(value=entry.id, text=clip_middle(entry.title, OPTION_LIMIT))


def entry_options(entries) -> list[dict]:
    return [_entry_option(e).to_dict() for e in entries]


PRIVATELY = ("Asked privately (a direct message or a private `/biglisten`): a kept answer shows the question to "
             "other members, so “Keep” isn't ticked for you.")


def answer_view(req: RepRequest) -> View:
    """The rep's answer: their words, optionally the entry it relates to, keep or not. A question
    asked privately isn't kept unless the rep ticks it (it was kept by default and shown, names and
    all, to members asking in public channels)."""
    private = not req.channel
    keep = Option(value="keep", text="Keep this answer for members who ask the same")
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=f"*Request #{req.id}*\n{_asked(req)}")),
        *([ContextBlock(elements=[MarkdownTextObject(text=PRIVATELY)])] if private else []),
        InputBlock(block_id="answer", label="Your answer",
                   element=PlainTextInputElement(action_id="text", multiline=True, max_length=ANSWER_LIMIT)),
        InputBlock(block_id="entry", label="Related guidance entry", optional=True,
                   element=ExternalDataSelectElement(action_id=ENTRY_SELECT, min_query_length=0,
                                                     placeholder="Search the guidance")),
        InputBlock(block_id="kept_question", label="The question, as later members will see it", optional=True,
                   hint="Kept answers show this to members who ask the same: take out anything personal.",
                   element=PlainTextInputElement(action_id="text", multiline=True, max_length=ANSWER_LIMIT,
                                                 initial_value=req.question[:ANSWER_LIMIT])),
        InputBlock(block_id="keep", label="Future members", optional=True, element=CheckboxesElement(
            action_id="keep", options=[keep], **({} if private else {"initial_options": [keep]}))),
        ContextBlock(elements=[MarkdownTextObject(text=f"The member sees: {rep_label('<your name>', time.time())}.")]),
    ]
    return View(type="modal", callback_id=ANSWER_VIEW, title=PlainTextObject(text="Answer a member"),
                submit=PlainTextObject(text="Send answer"), close=PlainTextObject(text="Cancel"),
                private_metadata=json.dumps({"r": req.id}), blocks=blocks)


def covered_view(req: RepRequest) -> View:
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=f"*Request #{req.id}*\n{_asked(req)}")),
        InputBlock(block_id="entry", label="The entry that answers it",
                   element=ExternalDataSelectElement(action_id=ENTRY_SELECT, min_query_length=0,
                                                     placeholder="Search the guidance")),
        ContextBlock(elements=[MarkdownTextObject(text="The member gets that entry's answer from the guidance.")]),
    ]
    return View(type="modal", callback_id=COVERED_VIEW, title=PlainTextObject(text="Covered by the guidance"),
                submit=PlainTextObject(text="Send entry"), close=PlainTextObject(text="Cancel"),
                private_metadata=json.dumps({"r": req.id}), blocks=blocks)


def related_entry(entry_id: str | None) -> list[Block]:
    """The guidance entry a rep said their answer relates to: one button opening it."""
    if not entry_id:
        return []
    return [ActionsBlock(elements=[ButtonElement(text="Open the related guidance", action_id=f"{OPEN_ENTRY}_0",
                                                 value=button_value(e=entry_id))])]


def member_answer_message(req: RepRequest) -> SlackMessage:
    """A rep's answer as the member receives it: labelled, with what they asked."""
    label = rep_label(req.rep_name, req.answered_at or time.time())
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(
            text=f"*A rep answered your question*\nYou asked: _{echo(echo_text(req.question))}_")),
        ContextBlock(elements=[MarkdownTextObject(text=escape(label))]),
        *quoted_sections(req.answer),
    ] + related_entry(req.entry_id)
    return SlackMessage(escape(f"{label}: {req.answer}"[:3000]), _fit(blocks))


def outside_message(req: RepRequest, contact: str, topic: str = "Big Listen guidance") -> SlackMessage:
    """`topic`: what the bot answers from (app.yaml's `bot_name`), as "I don't know" names it."""
    text = (f"A rep looked at your question and it is outside the {topic}, so the bot and the reps "
            f"can't answer it here. {contact}")
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(
        text=f"You asked: _{echo(echo_text(req.question))}_\n{escape(text)}"))]
    return SlackMessage(escape(text), _fit(blocks))


def covered_gone_message(req: RepRequest, contact: str) -> SlackMessage:
    """A rep said the guidance covers the question, and the entry they chose has gone since (a
    pack edit): say so, not "outside the guidance", the opposite of what the rep decided."""
    who = req.rep_name or "a rep"
    text = (f"{who} (a rep) says the guidance covers your question, but that part of the guidance has "
            f"changed since: please ask me again. {contact}")
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(
        text=f"You asked: _{echo(echo_text(req.question))}_\n{escape(text)}"))]
    return SlackMessage(escape(text), _fit(blocks))


def covered_intro(req: RepRequest) -> dict:
    """Put before the entry's answer when a rep says the guidance covers the question."""
    who = req.rep_name or "a rep"
    return SectionBlock(text=MarkdownTextObject(text=(
        f"{escape(who)} (a rep) says the guidance covers your question "
        f"(_{echo(echo_text(req.question))}_). Here it is:"))).to_dict()


def kept_reply_blocks(reply: Reply) -> SlackMessage:
    """A later member's question answered by a kept rep answer: labelled with its rep and date."""
    k = reply.kept
    label = kept_label(k)
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text="A rep's answer to a question like yours")),
        ContextBlock(elements=[MarkdownTextObject(text=escape(label))]),
        *quoted_sections(k.answer),
        *([ContextBlock(elements=[MarkdownTextObject(text=escape(status_line(reply.consultation, survey=False)))])]
          if reply.consultation else []),
        ContextBlock(elements=[MarkdownTextObject(text="The question the rep answered: _" +
                                                  echo(echo_text(k.question)) + "_")]),
    ]
    blocks += related_entry(k.entry_id)
    if reply.clipped:   # a long message: matched on its start and its end (bot/search.py)
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=escape(CLIPPED))]))
    if reply.query.strip():
        blocks.append(ask_rep_button(reply.query, reply.asker))
    return SlackMessage(escape(f"{label}: {k.answer}"[:3000]), _fit(blocks))


def _kept_buttons(k: KeptAnswer, i: int) -> ActionsBlock:
    value = button_value(k=k.id)
    return ActionsBlock(elements=[
        ButtonElement(text="Edit", action_id=f"{KEPT_EDIT}_{i}", value=value),
        ButtonElement(text="Re-confirm", action_id=f"{KEPT_CONFIRM}_{i}", value=value),
        ButtonElement(text="Retire", action_id=f"{KEPT_RETIRE}_{i}", value=value, style="danger")])


def kept_status(k: KeptAnswer, settings: RepSettings, now: float) -> str:
    if not is_live(k, settings, now):
        return f"not shown since {day(hidden_from(k, settings))}: re-confirm or edit to show it again"
    if needs_review(k, settings, now):
        return f"due for review: stops being shown on {day(hidden_from(k, settings))} unless re-confirmed"
    return f"shown to members; review due {day(k.confirmed_at + settings.review_days * 86400)}"


def kept_summary(k: KeptAnswer, settings: RepSettings, now: float) -> str:
    return (f"*#{k.id}* _{echo(echo_text(k.question))}_\n{quoted(k.answer, 600)}\n"
            f"{escape(kept_label(k))} · {escape(kept_status(k, settings, now))}")


def kept_list_blocks(kept: list[KeptAnswer], settings: RepSettings, now: float | None = None,
                     limit: int = 15) -> list[Block]:
    """Those waiting for review (or hidden for want of it) first, then the newest; when not all
    fit, a line says how many more there are (the oldest were left out silently, and they are
    the ones due for review)."""
    now = time.time() if now is None else now
    kept = sorted(kept, key=lambda k: (not needs_review(k, settings, now), -k.confirmed_at))
    blocks: list[Block] = []
    shown = kept[:max(0, limit - 1)] if len(kept) > limit else kept   # room for the "more" line
    for i, k in enumerate(shown):
        blocks += [SectionBlock(text=MarkdownTextObject(text=kept_summary(k, settings, now)[:SECTION_LIMIT])),
                   _kept_buttons(k, i)]
    if len(shown) < len(kept):
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=(
            f"{len(kept) - len(shown)} more kept answers aren't listed here (the newest of those that need no "
            "review are shown first): retire some you no longer need to see them all."))]))
    return blocks


def kept_list_message(kept: list[KeptAnswer], settings: RepSettings, now: float | None = None) -> SlackMessage:
    """`/biglisten answers` for reps: each kept answer with Edit / Re-confirm / Retire."""
    if not kept:
        return SlackMessage("No rep answers are kept yet.", _fit([SectionBlock(text=MarkdownTextObject(
            text="No rep answers are kept yet. A rep's answer is kept when they tick “Keep” as they answer."))]))
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text="Kept rep answers"))]
    blocks += kept_list_blocks(kept, settings, now, limit=(MESSAGE_BLOCKS - 1) // 2)
    return SlackMessage(f"{len(kept)} kept rep answers", _fit(blocks))


def review_message(k: KeptAnswer, settings: RepSettings, now: float | None = None) -> SlackMessage:
    now = time.time() if now is None else now
    hidden = hidden_from(k, settings)
    when = (f"it stops being shown on {day(hidden)}" if now < hidden
            else f"members haven't been shown it since {day(hidden)}")   # a date already past read as to come
    text = (f"Kept answer #{k.id} was last confirmed on {day(k.confirmed_at)}, over {settings.review_days} days ago. "
            f"Please re-confirm, edit or retire it: {when}.")
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=escape(text))),
                           SectionBlock(text=MarkdownTextObject(text=kept_summary(k, settings, time.time()))),
                           _kept_buttons(k, 0)]
    return SlackMessage(escape(text), _fit(blocks))


def edit_view(k: KeptAnswer, from_home: bool = False) -> View:
    """The kept answer's edit modal; `from_home`: opened in App Home, which is published again on
    Save."""
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=f"*Kept answer #{k.id}*\n_{echo(echo_text(k.question))}_")),
        InputBlock(block_id="answer", label="The answer", element=PlainTextInputElement(
            action_id="text", multiline=True, max_length=ANSWER_LIMIT, initial_value=k.answer[:ANSWER_LIMIT])),
        InputBlock(block_id="kept_question", label="The question, as members see it", optional=True,
                   hint="Take out anything personal: names, schools, places.",
                   element=PlainTextInputElement(action_id="text", multiline=True, max_length=ANSWER_LIMIT,
                                                 initial_value=k.question[:ANSWER_LIMIT])),
        ContextBlock(elements=[MarkdownTextObject(text="Saving re-confirms it under your name and today's date.")]),
    ]
    return View(type="modal", callback_id=KEPT_EDIT_VIEW, title=PlainTextObject(text="Edit a kept answer"),
                submit=PlainTextObject(text="Save"), close=PlainTextObject(text="Cancel"),
                private_metadata=json.dumps({"k": k.id} | ({"home": 1} if from_home else {})), blocks=blocks)


def queue_lines(requests: list[RepRequest], now: float | None = None) -> list[str]:
    """Open requests with their age, oldest first (plain text: the terminal and Slack)."""
    now = time.time() if now is None else now
    if not requests:
        return ["No open requests: every question sent to the reps has been dealt with."]
    lines = [f"{len(requests)} open request(s), oldest first:"]
    for r in requests:
        posted = "" if r.reps_ts else " (not yet in the reps' channel)"
        lines.append(f"#{r.id} · {age(now - r.created_at)} old · {r.asker_name or 'a member'}{posted}: "
                     f"{' '.join(r.question.split())[:300]}")
    return lines


def queue_message(requests: list[RepRequest], now: float | None = None) -> SlackMessage:
    """The open requests, oldest first, each with its Answer button; as many as one message holds,
    then how many more there are (they had been left out without a word)."""
    lines = queue_lines(requests, now)
    shown = requests if len(requests) <= MESSAGE_BLOCKS - 1 else requests[:MESSAGE_BLOCKS - 2]
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=escape(lines[0])))]
    for r, line in zip(shown, lines[1:]):
        blocks.append(SectionBlock(text=MarkdownTextObject(text=_queue_row(line)),
                                   accessory=ButtonElement(text="Answer", action_id=f"{ANSWER}_{r.id}",
                                                           value=button_value(r=r.id))))
    if len(shown) < len(requests):
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=more_requests(len(requests) - len(shown)))]))
    return SlackMessage(escape(lines[0]), _fit(blocks))


def _queue_row(line: str) -> str:
    """A request's line as reps see it in Slack: the member's words with no link and no ping."""
    return _BARE_PING.sub("@\u200b", escape(inert_text(line)))


def more_requests(n: int) -> str:
    return (f"{n} more open request{'s' if n != 1 else ''} not listed here (the oldest are listed first): "
            "answer some to see the rest (`python -m bot queue` lists them all).")


def _home_queue(requests: list[RepRequest], most: int = 9) -> str:
    """The oldest open requests as one section's text: echoed as the reps' channel echoes them (no
    links, no pings), as many whole lines as fit, then how many more (a cut had dropped that line)."""
    head, *rows = queue_lines(requests)
    text, shown = escape(head), 0
    for row in rows[:most]:
        line = "\n" + _queue_row(row)
        left = len(requests) - shown - 1
        if len(text) + len(line) + (len(more_requests(left)) + 1 if left else 0) > SECTION_LIMIT:
            break
        text, shown = text + line, shown + 1
    return text + (f"\n{more_requests(len(requests) - shown)}" if shown < len(requests) else "")


def home_kept_blocks(kept: list[KeptAnswer], requests: list[RepRequest], settings: RepSettings,
                     room: int) -> list[Block]:
    """For reps on the App Home: open requests and kept answers (within `room` blocks)."""
    if room < 4:
        return []
    blocks: list[Block] = [DividerBlock(),
                           HeaderBlock(text=PlainTextObject(text="For reps: questions and kept answers"))]
    blocks.append(SectionBlock(text=MarkdownTextObject(text=_home_queue(requests))))
    blocks += kept_list_blocks(kept, settings, limit=max(0, (room - len(blocks)) // 2))
    return blocks[:room]
