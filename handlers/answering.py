"""Posting an answer to a message event, shared by the mention and DM listeners.

Slack may deliver one message twice (app_mention and message.im both fire for a mention
in a DM) and retries an event when its ack was slow or lost, so each message is claimed in
the store by event id and by (channel, ts) before it is answered. A claim is released when
answering fails, and a claim whose process died goes stale, so a later delivery of the
same event can still be answered.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from logging import Logger

from slack_sdk import WebClient

from bot.blocks import SORRY_TEXT, answer_blocks, text_blocks
from bot.guide import Guide


def answer_message(event: dict, body: dict, client: WebClient, guide: Guide, logger: Logger, *,
                   via: str, in_thread: bool) -> None:
    if event.get("bot_id"):   # other bots (and our own posts): never answer, never loop
        return
    channel, ts = event.get("channel"), event.get("ts")
    keys = [f"event:{body.get('event_id')}", f"message:{channel}:{ts}"]
    # In a channel: always in a thread. In a DM (where a mention also arrives as a message
    # event, whichever comes first): in the thread the member used, if any.
    in_dm = str(channel).startswith("D")
    thread_ts = event.get("thread_ts") or (ts if in_thread and not in_dm else None)
    claimed: list[str] = []
    try:
        if not guide.store.claim(keys[0]):
            logger.info("event %s already handled", keys[0])
            return
        claimed.append(keys[0])
        if not guide.store.claim(keys[1]):
            guide.store.finish(keys[0])  # the same message arrived as another event
            return
        claimed.append(keys[1])
        reply = guide.ask(event.get("text") or "", via=via)
        message = answer_blocks(reply, pinnable=not in_dm)
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=message.text, blocks=message.blocks,
                                unfurl_links=False, unfurl_media=False)
    except Exception:
        logger.exception("answering %s failed", keys[0])
        with suppress_logged(logger, "releasing the claim"):
            guide.store.release(*claimed)   # only ours: the other delivery may be answering
        with suppress_logged(logger, "telling the member that answering failed"):
            client.chat_postMessage(channel=channel, thread_ts=thread_ts, **_sorry())
        return
    # Answered: from here a failure must not trigger an apology or a second answer.
    with suppress_logged(logger, "marking the event answered"):
        guide.store.finish(*claimed)


def _sorry() -> dict:
    notice = text_blocks(SORRY_TEXT)
    return {"text": notice.text, "blocks": notice.blocks}


@contextmanager
def suppress_logged(logger: Logger, doing: str) -> Iterator[None]:
    """Best-effort work inside an error path: log its failure, never raise it."""
    try:
        yield
    except Exception:
        logger.exception("%s failed", doing)


@contextmanager
def apologising(respond, logger: Logger, doing: str, **reply) -> Iterator[None]:
    """Run a listener's work; if it fails, log the traceback and tell the member (through
    `respond`) that something went wrong, rather than leaving a button that does nothing."""
    try:
        yield
    except Exception:
        logger.exception("%s failed", doing)
        respond(text=SORRY_TEXT, replace_original=False, **reply)
