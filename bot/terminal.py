"""The conversation in the terminal (`python -m bot chat`, what `make run` starts without Slack
tokens) and the terminal's walk-through (`python -m bot walkthrough`).

The chat is Slack's conversation without Slack: a question gets the reply a DM gets; a number
picks from the last "which did you mean?" list, as Slack's buttons do; `more` prints the last
answer's full guidance; and a line starting with the slash command reads as the slash command
does (`/biglisten MATs`, `/biglisten help`, `/biglisten walkthrough send`, `/biglisten sections`,
`/biglisten <entry id>`). Slack's libraries are imported only for such a line (bot/cli.py: a
fresh process starts fast).
"""
from __future__ import annotations

import sys

from bot.errors import BotError
from bot.normalise import safe_text

LEAVE = frozenset({"quit", "exit", "bye"})   # what ends the terminal chat, as Ctrl-D does
SUGGESTED = 3   # a decline's "did you mean" entries the chat numbers: as many as Slack shows buttons for
MORE = "more"   # in the chat: the last answer's full guidance (`ask --full` is no use there)
WALK_MOVES = {"": "next", "n": "next", "next": "next", "b": "back", "back": "back", "s": "skip", "skip": "skip",
              **dict.fromkeys(("q", "quit", "stop", "exit"), "stop")}
WALK_HELP = "Type n (or Enter) for next, b back, s skip section, q stop (your place is kept)."
WALK_PROMPT = "[n]ext, [b]ack, [s]kip section, [q]uit (your place is kept)"
TERMINAL_USER = "terminal"   # whose walk-through place the store keeps
# The slash command's reps' lists, and what gives them in the terminal
FOR_REPS = {"queue": "in the terminal: `python -m bot queue`", "answers": "in the terminal: `python -m bot queue`",
            "gaps": "in the terminal: `python -m bot report`"}
PINS = "`{command}` is Slack's: the answers reps pinned there, for everyone (the terminal shows no pins)."


def chat(config, library, *, interactive: bool) -> int:
    """The conversation, line by line from stdin until quit or its end."""
    from bot.guide import picked_entry, reply_to
    from bot.replies import render_full_text

    store = None   # opened for a walk-through only
    last = None    # the last reply: `more` refers to it
    listed = None  # the last reply's numbered list ("which did you mean?", or a decline's "did you mean"):
    #                a number picks from it, until the next question
    sys.stdin.reconfigure(errors="surrogateescape")   # bytes that aren't UTF-8: kept, then dropped by safe_text
    shown_plainly()
    if interactive:
        titles = " and ".join(p.title for p in library.packs)
        print(f"{config.bot_name}: ask about {titles}. Type a number to pick from a list, {MORE} for an "
              f"answer's full guidance, `{config.slash_command} help` for the commands, quit (or Ctrl-D) to leave.")
    read = _terminal_reader() if interactive else sys.stdin.readline

    def walk(name: str) -> None:   # as in Slack ("walkthrough send"; a reply may say to type it)
        nonlocal store
        problem = unknown_walk(library, name)   # before the store is opened (or made: review)
        if not problem:
            try:   # (only now: the chat needs no store, and goes on without one)
                store = store or walk_store(config)
            except BotError as e:
                print(f"The walk-through keeps your place in the store, which can't be opened: {e}\n", flush=True)
                return
            problem = walk_through(library, store, name, read, prompt=WALK_PROMPT + "\n" if interactive else "")
        print(f"{problem}\n" if problem else "(back to questions)\n", flush=True)
    while True:
        line = read()
        if not line:
            return 0
        text = safe_text(line).strip()
        if not text:
            continue
        if text.lower().strip("/") in LEAVE:   # not a question: "quit" used to get suggestions
            return 0
        command = _command(text, config, library)
        if command is not None:
            kind, said = command
            if kind == "walk":
                walk(said)
                continue
            if kind == "said":
                print(said, end="\n\n", flush=True)
                continue
            if kind == "entry" and (opened := picked_entry(library, config, said)) is not None:
                last, listed = opened, None
                print(_chat_text(last), end="\n\n", flush=True)
                continue
            text = said   # a question, as the slash command asks it
        if text.lower() == MORE and last is not None and last.answered:
            print(render_full_text(last), end="\n\n", flush=True)
            continue
        if text.isdecimal() and listed is not None:   # "which did you mean?", or another of its list
            choices = _choices(listed)
            if not (len(text) <= 4 and 1 <= int(text) <= len(choices)):   # int() refuses 4,300 digits
                print(f"Type a number from 1 to {len(choices)} to pick from the list, or ask a question.",
                      end="\n\n", flush=True)
                continue
            last = picked_entry(library, config, choices[int(text) - 1], query=listed.query) or last
        else:
            asked = reply_to(library, config, text)[1]
            if command is not None and asked.walk is not None:   # "/biglisten walk me through SEND": as in Slack
                walk(asked.walk)
                continue
            last = asked
            listed = last if _choices(last) else None
        print(_chat_text(last), end="\n\n", flush=True)


# What the bot's own typography becomes where the terminal's encoding lacks it
_PLAIN_MARKS = {"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "…": "...", "·": "-", "•": "*",
                "☐": "[ ]"}


def _plain_marks(error: UnicodeEncodeError) -> tuple[str, int]:
    return "".join(_PLAIN_MARKS.get(c, "?") for c in error.object[error.start:error.end]), error.end


def shown_plainly() -> None:
    """Characters the terminal's encoding lacks (a Latin-1 or ASCII locale has no curly quotes)
    printed plainly (straight quotes; "?" for others): every reply quotes with curly ones, and the
    first ended the chat with a traceback."""
    import codecs
    codecs.register_error("bot-plain", _plain_marks)
    if sys.stdout is not None:   # (None when started with stdout closed: print writes nothing)
        sys.stdout.reconfigure(errors="bot-plain")


def _command(text: str, config, library) -> tuple[str, str] | None:
    """What a chat line asks as the slash command would: ("walk", pack or section), ("said", the
    reply), ("entry", an entry id) or ("question", the rest); None for a plain question.
    `walkthrough ...` alone is the walk-through too (the terminal's own command)."""
    name = config.slash_command
    first, _, rest = text.partition(" ")
    slashed = first.lower() == name.lower()
    if not slashed and "walk" not in text.lower():
        return None
    from handlers.commands import GAPS, WALK, command_word, help_text, walk_named
    word = command_word(rest if slashed else text, name)
    if WALK.fullmatch(word) is not None:
        return "walk", walk_named(word)
    if not slashed:
        return None
    if word in ("", "help"):
        from bot.knowledge import guidance_topic
        said = help_text(name, guidance_topic(library.packs, config.organisation), slack=False).split("\n")
        said[-1:-1] = [f"• a number: pick from the list I last gave; `{MORE}`: the last answer's full guidance",
                       "• quit (or Ctrl-D): leave"]
        return "said", "\n".join(line.strip("*") for line in said)   # (Slack's bold)
    if word in ("sections", "browse"):
        return "said", sections_text(library)
    if word == "pins":   # (not a reps' list: anyone may see them)
        return "said", PINS.format(command=f"{name} pins")
    if word in FOR_REPS or GAPS.fullmatch(word):
        key = "gaps" if GAPS.fullmatch(word) else word
        return "said", f"`{name} {word}` is for reps in Slack; {FOR_REPS[key]}."
    return ("entry", word) if " " not in word else ("question", rest.strip())


def sections_text(library) -> str:
    """`sections` in the terminal: each pack's survey questions by section, with their ids."""
    from datetime import date

    from bot.packs import pack_status
    from bot.walkthrough import steps
    lines = []
    for pack in library.packs:
        status = pack_status(pack, date.today())
        lines.append(f"== {pack.title} ==" + (f" ({status})" if status else ""))
        section = None
        for e in steps(pack):
            if e.section != section:
                section = e.section
                lines.append(section)
            lines.append(f"  - {e.title} [{e.id}]")
    return "\n".join(lines)


def walk_store(config):
    """The store that keeps the terminal's walk-through places (the chat's and `walkthrough`'s). On a
    fresh install it isn't there yet: made then, as serve makes it, and said on stderr (a file name
    mistyped in storage.path shows there). Made in a folder that exists only, or the default var/, as
    serve checks (`check_store_folder`): a mistyped folder was made, and the place kept where serve never looks."""
    from bot.store import open_store
    from bot.store_location import check_store_folder, storage_location, store_setting

    location, setting = storage_location(config), store_setting(config)
    if not isinstance(location, str) and not location.exists():   # a SQLite file not made yet
        check_store_folder(config, location)
        print(f"(a new store for walk-through places: {location}, from {setting})", file=sys.stderr, flush=True)
    return open_store(location, setting=setting)


def _choices(reply) -> list[str]:
    """The entry ids a number picks from after `reply`, in the order its list shows them: its
    "which did you mean?", or a decline's "did you mean" (Slack's buttons under it)."""
    from bot.replies import ambiguity_choice

    if reply.answered:
        return [m.entry.id for m, _ in ambiguity_choice(reply)[1]] if reply.ambiguous else []
    return [m.entry.id for m in _suggested(reply)]


def _suggested(reply) -> list:
    """A decline's "did you mean" matches the chat numbers (none for an answer or a greeting)."""
    return [] if reply.answered or reply.chitchat else list(reply.others[:SUGGESTED])


def _chat_text(reply) -> str:
    """The short reply as the chat prints it: its "(ask --full: N more)" says how to see it here,
    and a decline's "Did you mean: A; B?" is a numbered list, for a number picks from it here."""
    from bot.replies import render_text

    lines = render_text(reply).split("\n")
    suggested = _suggested(reply)
    numbered = ["Did you mean (type its number)?"] + [f"  {i}. {m.entry.title} [{m.entry.id}]"
                                                     for i, m in enumerate(suggested, 1)]
    return "\n".join(f"(type {MORE} for the full guidance: {ln.split()[2]} more)" if ln.startswith("(ask --full: ")
                     else "\n".join(numbered) if suggested and ln.startswith("Did you mean: ") else ln
                     for ln in lines)


def _terminal_reader():
    """Read a line at the chat's prompt ("" at Ctrl-D) with line editing and history: with no
    readline, the arrow keys (Up to ask again, Left to fix a typo) sent "^[[A", asked as a question."""
    try:
        import readline  # noqa: F401 - importing it gives input() line editing and history
    except ImportError:   # a Python built without it: the plain prompt
        pass

    def read() -> str:
        try:
            return input("> ") + "\n"
        except EOFError:
            print()   # the shell's prompt on a line of its own
            return ""
    return read


def unknown_walk(library, name: str) -> str:
    """Why `walkthrough NAME` can't start ("" if it names a pack or section, or nothing): said
    before the store is opened (a mistyped name made the store, a first run's included)."""
    from bot import walkthrough as walk

    names = [p.name for p in library.packs]
    if not name or name in names or walk.section_start(library, name) is not None:
        return ""
    word = walk.section_word(library)
    return (f"no pack or section '{name}' (packs: {', '.join(names)}"
            + (f"; or a section, e.g. `walkthrough {word}`)" if word else ")"))


def walk_through(library, store, name: str, read, *, prompt: str) -> str:
    """The terminal's walk-through of the pack or section `name` ("" resumes, or starts the first
    open consultation) until it is finished or stopped, reading moves with `read` (after `prompt`);
    "" then, else why it couldn't start. The place is kept in the store (user "terminal"). Its
    callers check `name` first (`unknown_walk`), before they open the store."""
    from bot import walkthrough as walk
    from bot.replies import line_text

    names = [p.name for p in library.packs]
    step = walk.start(library, store, TERMINAL_USER, name)
    if step is None:
        return f"no survey to walk through (packs: {', '.join(names)})"
    while step is not None:
        print(f"== {step.pack.title} ==\n{step.progress}" + (" (where you left off)" if step.resumed else ""))
        status = walk.status_text(step)
        if status:
            print(status)
        print("\n".join(line_text(ln) for ln in walk.step_lines(step) if ln.part != "status"))
        if step.is_comments_box and walk.notes_points(step):
            print(walk.notes_intro(step) + "\n" + walk.notes_text(walk.notes_points(step)))
        how = None
        while how is None:   # anything else moves nowhere: "stop" used to skip a section, "exit" go on
            if prompt:
                print(prompt, end="", flush=True)
            line = read()
            how = WALK_MOVES.get(line.strip().lower()) if line else "stop"
            if how is None:
                print(WALK_HELP, flush=True)
        if how == "stop":
            print("Stopped; `walkthrough` resumes here.", flush=True)
            return ""
        pack = step.pack
        step = walk.move(library, store, TERMINAL_USER, pack.name, step.position, how)
        print()
    print(walk.finished_text(pack, how), flush=True)
    return ""
