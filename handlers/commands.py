"""The slash command (its name comes from app.yaml; the app only receives its own).

`/biglisten <question>` answers ephemerally with a "Share in channel" button; `help`,
`sections` and `<entry id>` browse. Slack drops a command not acknowledged within 3 s,
so ack() comes first and the search after. Slack never sends a command again, so it is
in the durable inbox before the ack (handlers/answering.py's `command_from`), as a message
is: a worker killed between the ack and the reply leaves it to another, which replies
through the same response_url (`command_reply` builds the reply either way).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from logging import Logger

from slack_bolt import Ack, App, BoltContext, Respond

from bot.blocks import ANSWERS_QUOTE, answer_blocks, pins_blocks, report_blocks, text_blocks
from bot.knowledge import guidance_topic
from bot.normalise import safe_text
from bot.rep_blocks import kept_list_message, queue_message, reply_message
from bot.report import REPORT_DAYS, build_report, report_lines
from handlers.answering import apologising, command_from, reply_taken_in
from handlers.payload import text_field
from handlers.walkthrough import start_message


def packs_sections_blocks(guide, channel: str | None = None):
    """`sections`: every pack that answers in `channel` with its status, then its survey by section."""
    from datetime import date

    from bot.blocks import packs_blocks
    return packs_blocks([(pack, status, guide.sections(pack)) for pack, status in guide.library.statuses(
        date.today(), channel)], command=guide.config.slash_command)


def help_text(command_name: str, topic: str = "the consultation and the union's guidance on it", *,
              slack: bool = True) -> str:
    """`topic`: bot.knowledge.guidance_topic of the packs. `slack=False`: the terminal chat's, without
    what only Slack has (pins, the reps' lists, the "Ask a rep" button, asking by mention or DM)."""
    lines = [   # (text, Slack's only)
        (f"*Ask me about {topic}.*", False),
        (f"• `{command_name} <your question>`: e.g. `{command_name} should safeguarding be a separate "
         "judgement?`", False),
        (f"• `{command_name} sections`: browse the survey by section and priority", False),
        (f"• `{command_name} walkthrough`: go through the survey one question at a time, with the union's "
         "guidance", False),
        (f"• `{command_name} <entry id>`: open one entry, e.g. `{command_name} off-rolling`", False),
        (f"• `{command_name} pins`: answers reps have pinned", True),
        (f"• `{command_name} gaps [days]`: (reps) what members asked that I couldn't answer", True),
        (f"• `{command_name} queue`: (reps) members' questions waiting for a rep, with their age", True),
        (f"• `{command_name} answers`: (reps) kept rep answers: edit, re-confirm or retire them", True),
        ("• When I can't answer, press “Ask a rep” to send your question to the reps.", True),
        ("• Mention me in a channel or send me a direct message to ask there.", True),
        (ANSWERS_QUOTE, False),
    ]
    return "\n".join(text for text, slacks in lines if slack or not slacks)


def handle_command(ack: Ack, command: dict, respond: Respond, context: BoltContext, logger: Logger) -> None:
    ack()

    def now() -> None:
        with apologising(respond, logger, "slash command"):
            message, record = command_reply(context["guide"], context.get("rep_desk"), command, logger)
            respond(**message)
            if record:
                record()
    reply_taken_in(context, command_from(command) is not None, now)   # from the inbox: built by `command_reply`


def command_reply(guide, desk, command: dict, logger: Logger) -> tuple[dict, Callable[[], None] | None]:
    """What a command says (the reply's fields, for `respond`), and for a question the call that
    logs and counts it: made once, by whoever settles the command (handlers/answering.py)."""
    name = text_field(command, "command") or guide.config.slash_command
    text = safe_text(command.get("text")).strip()
    word = command_word(text, name)
    channel = text_field(command, "channel_id") or None
    if word in ("", "help"):
        here = [s.pack for s in guide.library.for_channel(channel)]
        message = text_blocks(help_text(name, guidance_topic(here, guide.config.organisation)))
    elif word in ("sections", "browse"):
        message = packs_sections_blocks(guide, channel)
    elif WALK.fullmatch(word):
        return start_message(guide, command.get("user_id") or "", walk_named(word), channel=channel or ""), None
    elif word == "pins":
        message = pins_blocks(guide.store.pins(), guide.library, rep=guide.reps.is_rep(command.get("user_id")))
    elif word in ("queue", "answers"):
        return rep_lists(guide, desk, command.get("user_id"), word, logger), None
    elif GAPS.fullmatch(word):
        return gaps(guide, command.get("user_id"), GAPS.fullmatch(word).group(1)), None
    elif guide.entry(word) and (reply := guide.open_entry(word, channel=channel or "")):
        message = answer_blocks(reply, ephemeral=True)   # (another pack's id, where it doesn't answer: a question)
    else:
        reply, record = guide.ask_unrecorded(text, via="command", channel=channel)
        if reply.walk is not None:   # "/biglisten walk me through the SEND questions": as `walkthrough send`,
            # counted as the same words in a message are (chat, declined)
            return start_message(guide, command.get("user_id") or "", reply.walk, channel=channel or ""), record
        message = reply_message(replace(reply, asker=str(command.get("user_id") or "")), ephemeral=True)
        return {"text": message.text, "blocks": message.blocks}, record
    return {"text": message.text, "blocks": message.blocks}, None


# what a subcommand may come with: the command's name again, punctuation, a please or thanks
_REPEATED_NAME = re.compile(r"/?(?P<name>[a-z0-9_-]+)(?:\s+|[?!.]*$)")
_PUNCTUATION = "?!.,;:"
_ENDS = _PUNCTUATION + "".join(c for c in map(chr, range(0x3001)) if c.isspace())   # (every space is below U+3001)
_POLITE_FIRST = ("please", "pls", "plz")
_POLITE_LAST = ("please", "pls", "plz", "thanks", "thank you", "ta")


def command_word(text: str, name: str) -> str:
    """`text` lower-cased as a subcommand would read: "/biglisten help", "help?", "sections
    please" and "pins." read as help, sections and pins. Anything else is left for search,
    which gets the member's whole text."""
    word = text.lower().strip()
    repeated = _REPEATED_NAME.match(word)
    if repeated and repeated.group("name") == name.lower().lstrip("/"):
        word = word[repeated.end():]
    before = None
    while before != word:
        before, word = word, _polite_off(_trimmed(word))
    return word


def _trimmed(word: str) -> str:
    """`word` without spaces and punctuation at its ends, in one pass. Not a regex: one anchored at
    the end is tried from every place in a run of them, and 40,000 spaces, a pasted text, took half
    a minute."""
    return word.strip(_ENDS)


def _polite_off(word: str) -> str:
    """`word` (trimmed) without a please first or a please or thanks last, as its own word."""
    for polite in _POLITE_FIRST:
        if word.startswith(polite) and word[len(polite):len(polite) + 1].isspace():
            return word[len(polite):].lstrip()
    for polite in _POLITE_LAST:
        if word.endswith(polite) and word[-len(polite) - 1:-len(polite)].isspace():
            return word[:-len(polite)].rstrip()
    return word


# "walkthrough", "walk through big-listen", "walk through SEND", "walkthrough the safeguarding section"
WALK = re.compile(r"(?:walkthrough|walk-through|walk through)(?:\s+(?:the\s+)?([a-z0-9][a-z0-9-]*)"
                  r"(?:\s+(?:section|questions|ones|bit|part))?)?")
WALK_ANY = frozenset({"survey", "questionnaire", "consultation", "questions", "question", "sections", "all", "it",
                      "everything"})   # what names the survey itself, not a pack or a section


def walk_named(word: str) -> str:
    """The pack or section a `WALK` subcommand names; "" for none, or for the survey itself
    ("walkthrough the survey", "walk through the questions": not a pack called 'survey')."""
    name = WALK.fullmatch(word).group(1) or ""
    return "" if name in WALK_ANY else name


# "gaps in SEND support" is a question, not this; "gaps 0", "gaps -1" or "gaps 1.5" is, to be told the range
GAPS = re.compile(r"gaps(?:\s+([-+]?[0-9][0-9.,]*)(?:\s+days?)?)?")


def gaps(guide, user: str | None, days_text: str | None) -> dict:
    """`/biglisten gaps [days]`, for reps only; the days as `report --days` takes them."""
    if not guide.reps.is_rep(user):
        return {"text": "Only reps can see the gaps report."}
    days = 7 if days_text is None else int(days_text) if days_text.isdigit() and len(days_text) < 9 else None
    if days not in REPORT_DAYS:
        return {"text": f"The gaps report covers a whole number of days from {REPORT_DAYS[0]} to {REPORT_DAYS[-1]}, "
                        f"not “{days_text}”: e.g. `{guide.config.slash_command} gaps 30` (`gaps` alone: the last 7 "
                        "days)."}
    message = report_blocks(report_lines(build_report(guide.store, guide.library.packs, days)))
    return {"text": message.text, "blocks": message.blocks}


def rep_lists(guide, desk, user: str | None, word: str, logger: Logger) -> dict:
    """`/biglisten queue` and `/biglisten answers`, for reps only (they run the reps' chores first)."""
    if not guide.reps.is_rep(user):
        return {"text": "Only reps can see the reps' queue and kept answers."}
    if desk is not None:
        try:
            desk.chores()
        except Exception:
            logger.exception("the reps' chores failed")
    if word == "queue":
        message = queue_message(guide.store.requests(("open",)))
    else:
        message = kept_list_message(guide.store.kept_answers(), guide.config.reps)
    return {"text": message.text, "blocks": message.blocks}


def register(app: App) -> None:
    app.command(re.compile(r"^/"))(handle_command)
