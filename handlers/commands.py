"""The slash command (its name comes from app.yaml; the app only receives its own).

`/biglisten <question>` answers ephemerally with a "Share in channel" button; `help`,
`sections` and `<entry id>` browse. Slack drops a command not acknowledged within 3 s,
so ack() comes first and the search after.
"""
from __future__ import annotations

import re
from logging import Logger

from slack_bolt import Ack, App, BoltContext, Respond

from bot.blocks import SORRY_TEXT, answer_blocks, sections_blocks, text_blocks


def help_text(command_name: str) -> str:
    return "\n".join([
        "*Ask me about Ofsted's Big Listen survey and NASUWT's guidance on it.*",
        f"• `{command_name} <your question>`: e.g. `{command_name} should safeguarding be a separate judgement?`",
        f"• `{command_name} sections`: browse the survey by section and priority",
        f"• `{command_name} <entry id>`: open one entry, e.g. `{command_name} off-rolling`",
        "• Mention me in a channel or send me a direct message to ask there.",
        "Answers quote the union's own commentary and name their source.",
    ])


def handle_command(ack: Ack, command: dict, respond: Respond, context: BoltContext, logger: Logger) -> None:
    ack()
    guide = context["guide"]
    name = command.get("command") or guide.config.slash_command
    text = (command.get("text") or "").strip()
    word = text.lower()
    try:
        if word in ("", "help", "?"):
            notice = text_blocks(help_text(name))
            respond(text=notice.text, blocks=notice.blocks)
        elif word in ("sections", "browse"):
            message = sections_blocks(guide.sections())
            respond(text=message.text, blocks=message.blocks)
        elif guide.pack.get(word):
            message = answer_blocks(guide.open_entry(word), ephemeral=True)
            respond(text=message.text, blocks=message.blocks)
        else:
            message = answer_blocks(guide.ask(text, via="command", channel=command.get("channel_id")),
                                    ephemeral=True)
            respond(text=message.text, blocks=message.blocks)
    except Exception:
        logger.exception("slash command failed")
        respond(text=SORRY_TEXT)


def register(app: App) -> None:
    app.command(re.compile(r"^/"))(handle_command)
