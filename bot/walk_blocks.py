"""Slack blocks for the guided walk-through (bot/walkthrough.py): one step a message, with
Next / Back / Skip section / Stop, "Make my notes" on a comments box, and the notes modal."""
from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.blocks import HEADER_LIMIT, MESSAGE_BLOCKS, SECTION_LIMIT, SlackMessage, _line_blocks, button_value, escape
from bot.walkthrough import Step, notes_intro, notes_points, notes_text, status_text, step_lines

WALK_START = "walk_start"       # App Home / DM button: start or resume
WALK_NEXT = "walk_next"
WALK_BACK = "walk_back"
WALK_SKIP = "walk_skip"
WALK_STOP = "walk_stop"
WALK_NOTES = "walk_notes"
NOTES_CALLBACK = "walk_notes_modal"
NOTES_BLOCK = "notes"
NOTES_INPUT = "notes_text"


def start_button(text: str = "", section: str = "", pack: str = "") -> ButtonElement:
    """Start or resume the walk-through; with `section` (a word that names one, "send", or its
    name), start there: in `pack` if given (App Home's buttons: two packs may have a section of
    that name)."""
    text = text or ("Walk me through that section" if section else "Walk me through the survey")
    value = button_value(p=pack, s=section) if section else button_value(p="")
    return ButtonElement(text=text, action_id=WALK_START, value=value)


def step_blocks(step: Step, *, resumed: bool = False) -> SlackMessage:
    """One question: progress, the consultation's status (every step), the union's guidance,
    the survey wording, the union's comments and source; then the buttons."""
    head: list[Block] = [HeaderBlock(text=PlainTextObject(text=step.pack.title[:HEADER_LIMIT]))]
    progress = step.progress + (" (where you left off)" if resumed else "")
    head.append(ContextBlock(elements=[MarkdownTextObject(text=escape(progress))]))
    status = status_text(step)
    if status:
        head.append(ContextBlock(elements=[MarkdownTextObject(text=escape(status))]))
    lines = [ln for ln in step_lines(step) if ln.part != "status"]   # said once, at the top
    body, _ = _line_blocks(lines)
    room = MESSAGE_BLOCKS - len(head) - 2
    if len(body) > room:
        body = body[:room]
    ref = {"p": step.pack.name, "i": step.position, "e": step.entry.id}   # "e": the question, if the pack moves it
    buttons = []
    if not step.first:
        buttons.append(ButtonElement(text="Back", action_id=WALK_BACK, value=button_value(**ref)))
    buttons.append(ButtonElement(text="Finish" if step.last else "Next", action_id=WALK_NEXT,
                                 value=button_value(**ref), style="primary"))
    buttons.append(ButtonElement(text="Skip section", action_id=WALK_SKIP, value=button_value(**ref)))
    if step.is_comments_box and notes_points(step):
        buttons.append(ButtonElement(text="Make my notes", action_id=WALK_NOTES, value=button_value(**ref)))
    buttons.append(ButtonElement(text="Stop", action_id=WALK_STOP, value=button_value(**ref)))
    blocks = head + [DividerBlock()] + body + [ActionsBlock(elements=buttons)]
    text = f"{step.pack.title}: {step.progress}. {step.entry.question}"
    if status:
        text += f" {status}"
    return SlackMessage(text[:SECTION_LIMIT], [b.to_dict() for b in blocks])


def _question_line(step: Step) -> str:
    """The question the notes are for, quoted with whose words it is."""
    from bot.knowledge import quote_of, survey_speaker
    from bot.replies import speaker_label
    src = step.pack.sources[step.entry.source]
    quote = quote_of(step.entry.question, survey_speaker(src), src, "question")
    return f"{speaker_label(quote, step.pack)} “{quote.text}”"


def notes_view(step: Step) -> View:
    """The notes modal: the union's advice points as a checklist the member edits; "Send to
    me" DMs it to them. Nothing is kept: closing the modal discards it. The consultation's
    status is said here too, as at every step."""
    status = status_text(step)
    said = [ContextBlock(elements=[MarkdownTextObject(text=escape(status)[:SECTION_LIMIT])])] if status else []
    return View(
        type="modal", callback_id=NOTES_CALLBACK, title=PlainTextObject(text="My notes"),
        submit=PlainTextObject(text="Send to me"), close=PlainTextObject(text="Close"),
        private_metadata=button_value(p=step.pack.name, i=step.position),
        blocks=[
            ContextBlock(elements=[MarkdownTextObject(text=escape(_question_line(step))[:SECTION_LIMIT])]),
            *said,
            ContextBlock(elements=[MarkdownTextObject(text=escape(notes_intro(step))[:SECTION_LIMIT])]),
            InputBlock(block_id=NOTES_BLOCK, label=PlainTextObject(text="Your notes"),
                       element=PlainTextInputElement(action_id=NOTES_INPUT, multiline=True, max_length=3000,
                                                     initial_value=notes_text(notes_points(step)))),
        ])


# a piece of the member's notes short enough to stay within a section escaped (&amp; is 5 characters)
NOTES_PIECE = SECTION_LIMIT // 5


def notes_message(notes: str, status: str) -> SlackMessage:
    """The notes DM: the member's words (escaped: shown as typed) and, for a pack with a
    consultation, its status as the steps say it, beside them, never in them. The text (the
    notification) is their words alone."""
    text = escape(notes)
    if not status:
        return SlackMessage(text, None)
    # (a line longer than a piece goes on in the next piece: no line break is added)
    pieces = [("\n" if i == 0 else "", line[i:i + NOTES_PIECE])
              for line in notes.split("\n") for i in range(0, max(len(line), 1), NOTES_PIECE)]
    chunks: list[str] = []
    for joint, piece in pieces:
        joined = f"{chunks[-1]}{joint}{piece}" if chunks else piece
        if chunks and len(escape(joined)) <= SECTION_LIMIT:
            chunks[-1] = joined
        else:
            chunks.append(piece)
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=escape(c))) for c in chunks if c.strip()]
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=escape(status)[:SECTION_LIMIT])]))
    if len(blocks) > MESSAGE_BLOCKS:   # only past the modal's 3,000 characters (a forged submission): words alone
        return SlackMessage(text, None)
    return SlackMessage(text, [b.to_dict() for b in blocks])
