"""The guided walk-through in Slack: `/biglisten walkthrough [pack]`, the App Home and DM
button, Next / Back / Skip section / Stop, and the "Make my notes" modal.

Next / Back / Skip section / Stop are taken into the durable inbox before the ack
(handlers/answering.py's `action_from`, WALK_PRESSES) and answered from there (`walk_reply`,
through the response_url, replacing the step message pressed on), so a worker killed after the
ack loses nothing: another worker, or the restarted server, answers the press once. A press
answered again may find its own earlier attempt's move made (the place moved since it was
pressed, `walk.moved_since`): it moves nothing more and shows the step the member is on.
"Walk me through" and "Make my notes" ack, then answer here: the first posts a DM (App Home has
no response_url), the second opens a modal with the press's trigger_id, valid for 3 s.
The member's place is in the store (bot/walkthrough.py), so a restart resumes it. The notes
modal keeps nothing: "Send to me" DMs the member their own text, Close discards it.
"""
from __future__ import annotations

from logging import Logger

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import walkthrough as walk
from bot.blocks import button_ref, text_blocks
from bot.errors import slack_error
from bot.retry import deadline
from bot.walk_blocks import (
    NOTES_BLOCK,
    NOTES_CALLBACK,
    NOTES_INPUT,
    WALK_BACK,
    WALK_NEXT,
    WALK_NOTES,
    WALK_SKIP,
    WALK_START,
    WALK_STOP,
    notes_message,
    notes_view,
    step_blocks,
)
from handlers.answering import REPLAYED, THEN, apologising
from handlers.home import publish_home
from handlers.payload import channel_of, first_action, text_field, user_id
from handlers.respond import quick

NO_PACK = "I don't have a survey to walk through{named}. Packs: {names}."
NAME_A_SECTION = "Or name a section of the survey, e.g. `{command} walkthrough {word}`."
START_AGAIN_SECONDS = 3.0   # "Walk me through" pressed again within this: a double click, one walk-through sent
PRESSED_AGAIN = "walk-through start pressed again"
GONE_SURVEY = "That survey is no longer in the guidance."
GONE_QUESTION = "That question is no longer in the survey's guidance."


MOVES = {WALK_NEXT: "next", WALK_BACK: "back", WALK_SKIP: "skip"}


def _pack_pressed(guide, channel: str, ref: tuple[str, int, str]):
    """The pack a walk-through button names, if it is loaded and answers in the channel pressed in
    (app.yaml's `channels`: a button naming another pack shows nothing of it there)."""
    here = {s.name for s in guide.library.for_channel(channel or None)}
    return guide.library.pack_named(ref[0]) if ref[0] in here else None


def start_message(guide, user: str, name: str = "", channel: str | None = None, within: str = "") -> dict:
    """The first (or resumed) step for a member, as respond() arguments; in `channel`, only
    the packs that answer there (a section named: in the pack `within`, if given)."""
    step = walk.start(guide.library, guide.store, user, name, channel=channel, within=within)
    if step is None:
        names = ", ".join(s.name for s in guide.library.for_channel(channel))
        said = NO_PACK.format(named=f" called '{name}'" if name else "", names=names)
        word = walk.section_word(guide.library, channel)
        return {"text": f"{said} {NAME_A_SECTION.format(command=guide.config.slash_command, word=word)}" if word
                else said}
    message = step_blocks(step, resumed=step.resumed)
    return {"text": message.text, "blocks": message.blocks}


def handle_start_button(ack: Ack, body: dict, client: WebClient, respond: Respond, context: BoltContext,
                        logger: Logger) -> None:
    """App Home, or the button under a greeting (in a DM or a channel): the walk-through
    always starts in the member's DM with the bot, never where others can see it; pressed in a
    channel kept to some packs (app.yaml `channels`), with one of those."""
    ack()
    user = user_id(body)
    if user and not _first_press(context["guide"], user, logger):
        return
    ref = button_ref(text_field(first_action(body), "value"))
    section = ref.get("s") if isinstance(ref.get("s"), str) else ""   # "... the SEND ones", a section's button
    within = ref.get("p") if isinstance(ref.get("p"), str) and section else ""   # App Home's: that section's pack
    if user and text_field(body, "view", "type") == "home":   # no response_url: the tab is the way back
        try:
            client.chat_postMessage(channel=user, **start_message(context["guide"], user, section, within=within))
        except Exception as e:
            publish_home(context, client, user, logger, notice=_not_sent(context["guide"], user, e, logger, "App Home"))
        return
    with apologising(respond, logger, "starting the walk-through", response_type="ephemeral"):
        if user:
            channel = channel_of(body) or None
            try:
                client.chat_postMessage(channel=user, **start_message(context["guide"], user, section,
                                                                      channel=channel, within=within))
            except Exception as e:
                respond(text=_not_sent(context["guide"], user, e, logger, "a greeting"), replace_original=False,
                        response_type="ephemeral")


def _not_sent(guide, user: str, error: Exception, logger: Logger, where: str) -> str:
    """The walk-through's first DM failed: logged, and what to tell the member (why, when Slack
    said, and what to do instead). Their next press is taken at once (not as a double click)."""
    _press_again(guide, user, logger)
    why, command = slack_error(error), guide.config.slash_command
    logger.error("starting the walk-through by DM from %s failed: %s", where, why or type(error).__name__,
                 exc_info=not why)
    what = (f"I couldn't send you a direct message (Slack said: {why}), so the walk-through didn't start."
            if why else "Sorry, something went wrong: the walk-through may not have started (if it isn't "
            "in your messages with me, it didn't).")
    return (f"{what} Type `{command} walkthrough` in any channel to go through the survey there (only you will "
            "see it), or press the button again later. If it keeps happening, tell a rep.")


def _start_key(user: str) -> str:
    return f"walkstart:{user}"


def _first_press(guide, user: str, logger: Logger) -> bool:
    """Whether this press of "Walk me through" is the member's first within START_AGAIN_SECONDS
    (on any instance): a double click (each press its own trigger id) sent two DMs, each the first
    question with its buttons. A store that can't say lets it through (two DMs rather than none)."""
    try:
        if guide.store.claim_for(_start_key(user), START_AGAIN_SECONDS):
            return True
    except Exception as e:
        logger.warning("can't tell whether the walk-through start was pressed twice (%s); starting it",
                       type(e).__name__)
        return True
    logger.info("%s within %g s: the first press's walk-through is the one sent", PRESSED_AGAIN,
                START_AGAIN_SECONDS)
    return False


def _press_again(guide, user: str, logger: Logger) -> None:
    """The DM failed: the member's next press is taken at once, not as a double click."""
    try:
        guide.store.reopen(_start_key(user))
    except Exception as e:
        logger.warning("can't free the walk-through start for another press (%s)", type(e).__name__)


def _ref(value: str) -> tuple[str, int, str] | None:
    """The pack, the question's number and its entry id a walk-through button was sent with (a
    button from before round 21 has no id: its number is used)."""
    ref = button_ref(value)
    pack, position, entry = ref.get("p"), ref.get("i"), ref.get("e")
    if isinstance(pack, str) and isinstance(position, int) and not isinstance(position, bool) and position >= 0:
        return pack, position, entry if isinstance(entry, str) else ""
    return None


def walk_reply(guide, press: dict, logger: Logger) -> tuple[dict, None]:
    """What a press of Next / Back / Skip section / Stop says (the reply's fields, for `respond`,
    and what follows once Slack took it, `THEN`), and no question to log; {} (nothing said) for a
    button that names no step. Built from the press's inbox payload (`press_of`), on whichever
    worker answers it: `REPLAYED` in it, the press is answered again, and what its earlier attempt
    did may already be done."""
    if press.get("action_id") == WALK_STOP:
        return _stop_reply(guide, press), None
    return _move_reply(guide, press, MOVES[press.get("action_id")]), None


def _fields(message, **options) -> dict:
    return {"text": message.text, "blocks": message.blocks, "replace_original": True, **options}


def _move_reply(guide, press: dict, how: str) -> dict:
    user, ref = press.get("user_id") or "", _ref(press.get("value") or "")
    if not user or ref is None:
        return {}
    pack = _pack_pressed(guide, press.get("channel_id") or "", ref)
    if pack is None:
        return {"text": GONE_SURVEY, "replace_original": True}
    command = guide.config.slash_command
    pressed = walk.press(guide.library, guide.store, user, pack, ref[2], ref[1], how, since=_since(press))
    if pressed.outcome == "gone":   # a reload left the pack no survey questions
        return {"text": GONE_SURVEY, "replace_original": True}
    if pressed.outcome in ("moved", "current"):
        return _step_reply(guide, user, pressed.step)
    said = {"finished": walk.finished_text(pack, how), "ended": walk.ended_text(command),
            "left": walk.left_text(command)}.get(pressed.outcome) or walk.elsewhere_text(pressed.step, command)
    return _fields(text_blocks(said))


def _step_reply(guide, user: str, step: walk.Step) -> dict:
    """A step, then (once it is in) "stopped" if the walk-through has ended meanwhile: Stop pressed
    meanwhile (another instance) may have said "stopped" before this step landed, and the message
    must not end showing a step of a walk-through that has ended."""
    def stopped_meanwhile() -> dict | None:
        if guide.store.walk_place(user) is None:
            return _fields(text_blocks(walk.stopped_text(guide.config.slash_command)))
        return None
    return _fields(step_blocks(step), **{THEN: [stopped_meanwhile]})


def _stop_reply(guide, press: dict) -> dict:
    user, ref = press.get("user_id") or "", _ref(press.get("value") or "")
    pack = ref[0] if ref else None
    kept = guide.store.walk_place(user) if user and pack else None
    if kept is not None and kept.pack == pack and walk.moved_since(kept, _since(press)):
        # answered again, and the place moved in this pack since Stop was pressed: by a press or a
        # start after it (its earlier attempt would have forgotten the place, not moved it), so a
        # walk-through the member went on with (or started again) is not stopped by a Stop before it
        shown = _pack_pressed(guide, press.get("channel_id") or "", ref)
        step = walk.place_step(shown, kept) if shown is not None else None
        return _step_reply(guide, user, step) if step is not None else {"text": GONE_SURVEY, "replace_original": True}
    if user:   # Stop on an old step of another pack leaves the walk-through they are in
        guide.store.end_walk(user, pack=pack)
    notice = _fields(text_blocks(walk.stopped_text(guide.config.slash_command)))

    def stopped_again() -> dict | None:
        # The place was kept in another pack while this pack's first step was shown (`walk.start`):
        # Stop found nothing here to forget, and a Next pressed with it may have moved the place into
        # this pack since (its step replied before "stopped" landed). Forgotten, and said again last.
        if kept is not None and kept.pack != pack:
            now = guide.store.walk_place(user)
            if now is not None and now.pack == pack and guide.store.end_walk(user, was=now):
                return notice
        return None
    return notice | {THEN: [stopped_again]}


def _since(press: dict) -> float | None:
    """When a press answered again was taken in (`REPLAYED`), else None (its first attempt)."""
    since = press.get(REPLAYED)
    return float(since) if isinstance(since, (int, float)) and not isinstance(since, bool) else None


def handle_notes(ack: Ack, body: dict, client: WebClient, respond: Respond, context: BoltContext,
                 logger: Logger) -> None:
    ack()
    with apologising(respond, logger, "opening the notes"):
        ref = _ref(text_field(first_action(body), "value"))
        pack = _pack_pressed(context["guide"], channel_of(body), ref) if ref else None
        position, removed = walk.pressed_on(pack, ref[2], ref[1]) if pack and ref else (0, False)
        if pack and removed:   # another question's notes would open
            respond(text=GONE_QUESTION, replace_original=False)
            return
        step = walk.step_at(pack, position) if pack and ref else None
        trigger = text_field(body, "trigger_id")
        if ref and step is None:   # said, as the other buttons say it (it did nothing)
            respond(text=GONE_SURVEY, replace_original=False)
            return
        if step is None or not trigger:
            return
        client.views_open(trigger_id=trigger, view=notes_view(step))


def handle_notes_submitted(ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext,
                           logger: Logger) -> None:
    """"Send to me": the member's own text, by DM, with the consultation's status beside it
    (the pack's, as the modal said it), and nothing kept."""
    notes = text_field(view, "state", "values", NOTES_BLOCK, NOTES_INPUT, "value").strip()
    if not notes:
        ack(response_action="errors", errors={NOTES_BLOCK: "There is nothing to send."})
        return
    # Sent before the ack, within Slack's 3 s: a DM that fails keeps the modal open with the
    # member's text and says so (acked first, the modal closed and the notes were lost unseen).
    try:
        with deadline(1.5):
            message = notes_message(notes, _notes_status(context["guide"], view))
            quick(client).chat_postMessage(channel=user_id(body), text=message.text, blocks=message.blocks)
    except Exception as e:
        why = slack_error(e) or type(e).__name__
        logger.error("sending walk-through notes by DM failed: %s", why)
        ack(response_action="errors", errors={NOTES_BLOCK: f"I couldn't send this to you by direct message "
                                                           f"(Slack said: {why}). Copy your text before closing, "
                                                           f"or press Send to me again."})
        return
    ack()


def _notes_status(guide, view: dict) -> str:
    """The status of the consultation the notes modal was opened for ("" if none, or unknown)."""
    name = button_ref(text_field(view, "private_metadata")).get("p")
    pack = guide.library.pack_named(name) if isinstance(name, str) else None
    return walk.pack_status(pack) if pack is not None else ""


def register(app: App) -> None:
    app.action(WALK_START)(handle_start_button)   # (Next / Back / Skip / Stop: handlers/actions.py's handle_press)
    app.action(WALK_NOTES)(handle_notes)
    app.view(NOTES_CALLBACK)(handle_notes_submitted)
