"""The App Home tab: how to ask, the packs and their status, the walk-through button, the
survey by section, pinned answers; reps see the gaps and any refused pack edit."""
from __future__ import annotations

from logging import Logger

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock

from bot.blocks import MODAL_BLOCKS, escape, home_view
from bot.knowledge import guidance_heading
from bot.rep_blocks import home_kept_blocks
from bot.report import read_report, report_from, report_lines

UNREADABLE = "{what} can't be read just now (the bot's store isn't answering): open this tab again in a minute."


def handle_home_opened(event: dict, client: WebClient, context: BoltContext, logger: Logger) -> None:
    if event.get("tab") != "home":
        return
    publish_home(context, client, event.get("user"), logger)


def publish_home(context: BoltContext, client: WebClient, user, logger: Logger, notice: str = "") -> bool:
    """Publish the tab for `user`; `notice` (plain words, escaped here) is shown at its top: what
    became of a button pressed in it, when the member can't be told any other way. False if it failed."""
    guide = context["guide"]
    try:
        if not isinstance(user, str) or not user:
            return False
        rep = guide.reps.is_rep(user)
        # Each store read within a second (a stalled database answers nothing: the tab had waited
        # on it, and nobody's was published); what can't be read is said to be unreadable.
        lines = None
        if rep:
            reads = guide.read_within("read the gaps report", lambda: read_report(guide.store, 7))   # the reads
            lines = report_lines(report_from(reads, guide.library.packs)) if reads is not None else [   # bounded,
                UNREADABLE.format(what="The gaps report")]   # not the grouping (seconds in a busy week: no stall)
        pins = guide.read_within("read the pinned answers", guide.store.pins)
        library = guide.library
        packs = library.statuses()
        if len(packs) > 1:   # every pack's survey, each section named with its pack
            sections = [(f"{p.title} · {section}", entries) for p, _ in packs for section, entries in guide.sections(p)]
        else:
            sections = guide.sections()
        problems = [f"{folder}: {what}" for folder, what in sorted(library.problems.items())] if rep else None
        view = home_view(sections, pins, library, command=guide.config.slash_command,
                         report_lines=lines, packs=packs,
                         title=guidance_heading([p for p, _ in packs], guide.config.organisation),
                         problems=problems)
        if rep:   # reps: members' questions waiting, and kept answers to look after
            waiting = guide.read_within("read the reps' requests and kept answers",
                                        lambda: (guide.store.kept_answers(), guide.store.requests(("open",))))
            room = MODAL_BLOCKS - len(view.blocks)
            if waiting is not None:
                view.blocks = list(view.blocks) + home_kept_blocks(*waiting, guide.config.reps, room=room)
            elif room > 0:
                view.blocks = list(view.blocks) + [SectionBlock(text=MarkdownTextObject(text=UNREADABLE.format(
                    what="The members' questions waiting for a rep, and the kept answers,")))]
        if notice:   # under the title, where the member is looking
            said = SectionBlock(text=MarkdownTextObject(text=f":warning: {escape(notice)}"))
            view.blocks = (list(view.blocks[:1]) + [said] + list(view.blocks[1:]))[:MODAL_BLOCKS]
        client.views_publish(user_id=user, view=view)
        return True
    except Exception:   # the tab just stays as it was; nothing to tell the member in Slack
        logger.exception("publishing the home tab failed")
        return False


def register(app: App) -> None:
    app.event("app_home_opened")(handle_home_opened)
