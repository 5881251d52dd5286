"""The guided walk-through: a pack's survey one question at a time, with the union beside it.

Plain Python (no Slack): the steps of a pack, what each step shows (built from the same
reply lines as an answer, so every quotation is verbatim and names its speaker), moving
Next / Back / Skip section, and the member's place in the store (so a restart resumes it).
Slack rendering is in bot/walk_blocks.py, the listeners in handlers/walkthrough.py, the
terminal in bot/cli.py (`python -m bot walkthrough`).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from bot.knowledge import Pack, SurveyEntry
from bot.packs import Library, is_open
from bot.replies import Line, entry_reply, full_lines, leaning_on, status_line, union_name
from bot.store import Store, WalkPlace
from bot.structure import SECTION_WORDS, section_named
from bot.telling import commentary_text

NOTES_LIMIT = 3000   # a Slack plain-text input holds at most 3,000 characters


def steps(pack: Pack) -> list[SurveyEntry]:
    """The pack's survey questions in the survey's order (sections as pack.yaml lists them)."""
    order = list(pack.sections)
    survey = [e for e in pack.entries if isinstance(e, SurveyEntry)]
    return sorted(survey, key=lambda e: order.index(e.section) if e.section in order else len(order))


@dataclass(frozen=True)
class Step:
    pack: Pack
    position: int          # 0-based
    total: int
    entry: SurveyEntry
    today: date
    resumed: bool = False   # `start` went back to where the member left off (past the first question)

    @property
    def closed(self) -> bool:
        return self.pack.consultation is not None and not is_open(self.pack, self.today)

    @property
    def progress(self) -> str:
        e = self.entry
        return f"Question {self.position + 1} of {self.total} · {e.section} · {e.priority}"

    @property
    def is_comments_box(self) -> bool:
        return not self.entry.options and not self.entry.statements

    @property
    def first(self) -> bool:
        return self.position == 0

    @property
    def last(self) -> bool:
        return self.position == self.total - 1


def step_at(pack: Pack, position: int, today: date | None = None) -> Step | None:
    """The step at `position` (kept within the survey: a pack edited shorter since), or None
    for a pack with no survey questions."""
    entries = steps(pack)
    if not entries:
        return None
    position = max(0, min(position, len(entries) - 1))
    return Step(pack, position, len(entries), entries[position], today or date.today())


def pressed_on(pack: Pack, entry_id: str, position: int) -> tuple[int, bool]:
    """Where the question a button was pressed on is now: its place in the survey (a pack edited
    since may have moved it; the button's number alone sent Next and Make my notes to another
    question), else the number the button recorded (`move` and `step_at` keep it within the
    survey); and whether the question was taken out of the pack since (the button names an entry
    the survey no longer has), when the question now at that number is the one after it (`move`'s
    `removed`)."""
    found = next((i for i, e in enumerate(steps(pack)) if e.id == entry_id), None)
    return (position, bool(entry_id)) if found is None else (found, False)


def skip_section(pack: Pack, position: int) -> int | None:
    """The first question of the next section, or None when this is the last section."""
    entries = steps(pack)
    if not 0 <= position < len(entries):
        return None
    section = entries[position].section
    for i in range(position + 1, len(entries)):
        if entries[i].section != section:
            return i
    return None


def status_text(step: Step) -> str:
    """The consultation's status, said at every step ("... closed on 31 May 2024; ...")."""
    return pack_status(step.pack, step.today)


def pack_status(pack: Pack, today: date | None = None) -> str:
    """A pack's consultation status as the steps say it, or "" for a pack that has none."""
    if pack.consultation is None:
        return ""
    from bot.replies import ConsultationStatus
    return status_line(ConsultationStatus(pack.consultation, today or date.today()), survey=True)


def step_lines(step: Step) -> list[Line]:
    """What a step shows: the union's guidance first (kind and speaker), then the question,
    its options and statements, the union's comments, the status and the source: the full
    guidance of the entry, every quotation labelled."""
    reply = entry_reply(step.entry, step.pack, "", today=step.today)
    return full_lines(reply)


def notes_points(step: Step) -> list[str]:
    """The union's advice points for the step's question, verbatim: its advice (question and
    statements), each with the view it refers back to ("If you make a similar comment, ..."
    came without the comment it meant), else its comment paragraphs. Whole points only, within
    Slack's limit."""
    e = step.entry
    guidance, said = e.all_guidance(), commentary_text(e)
    advice = [x.basis for i, g in enumerate(guidance) if g.kind == "advice" for x in leaning_on(guidance, i, said)]
    points = list(dict.fromkeys(advice)) or [p for p in e.commentary]
    if not points:
        points = [c for s in e.statements for c in s.commentary]
    kept, size = [], 0
    for p in points:
        size += len(p) + 3
        if size > NOTES_LIMIT:
            break
        kept.append(p)
    return kept


def notes_intro(step: Step) -> str:
    """Whose words the notes start from, and when: the union's points are quoted, not the member's."""
    src = step.pack.sources.get(step.entry.source)
    when = f" ({src.date})" if src is not None and src.date else ""
    return (f"Notes to start from: {union_name(src)}'s points{when}, word for word. Tick, change or delete "
            "them: what you keep is your own notes.")


def notes_text(points: list[str]) -> str:
    """The checklist the member edits: one point a line, each with an empty box."""
    return "\n".join(f"☐ {p}" for p in points)


# --- the member's place ------------------------------------------------------------------

def choose_pack(library: Library, name: str = "", today: date | None = None,
                channel: str | None = None) -> Pack | None:
    """The named pack; else the first open consultation with a survey; else the first pack with
    one; else the first pack. Only the packs that answer in `channel` (app.yaml's `channels`)."""
    packs = [s.pack for s in library.for_channel(channel)]
    if name:
        return next((p for p in packs if p.name == name), None)
    today = today or date.today()
    surveyed = [p for p in packs if steps(p)]
    return next((p for p in surveyed if is_open(p, today)), surveyed[0] if surveyed else packs[0])


def section_start(library: Library, name: str, today: date | None = None,
                  channel: str | None = None, within: str = "") -> Step | None:
    """The first question of the section `name` names ("send", "safeguarding": `structure.section_named`)
    in the first pack that answers in `channel` and has it (open consultations first, as
    `choose_pack`), or None. `within`: that pack's (App Home's button under one pack's section of
    a name another pack's section has too), if it answers here and has it."""
    today = today or date.today()
    packs = [s.pack for s in library.for_channel(channel) if steps(s.pack)]
    own = [p for p in packs if p.name == within] if within else []
    return (_section_start(own, name, today) if own else None) or _section_start(packs, name, today)


def _section_start(packs: list[Pack], name: str, today: date) -> Step | None:
    found = []
    for pack in packs:
        section = section_named(name, pack.sections)
        at = next((i for i, e in enumerate(steps(pack)) if e.section == section), None) if section else None
        if at is not None:   # a section whose name starts with the word first ("schools": Schools, not
            # "Workload in schools"), then open consultations, then the packs' order (a stable sort)
            found.append((section.lower().split()[0] not in (name.lower(), SECTION_WORDS.get(name.lower())),
                          not is_open(pack, today), pack, at))
    found.sort(key=lambda f: f[:2])
    return step_at(found[0][2], found[0][3], today) if found else None


def section_word(library: Library, channel: str | None = None) -> str:
    """A word that names a section for `section_start` (the first word of the first section of the
    first pack here with a survey), to show members how; "" if there is none."""
    for pack in (s.pack for s in library.for_channel(channel) if steps(s.pack)):
        section = steps(pack)[0].section
        word = section.lower().split()[0] if section.strip() else ""
        if word and section_named(word, pack.sections) == section:
            return word
    return ""


def start(library: Library, store: Store, user: str, name: str = "", today: date | None = None,
          channel: str | None = None, within: str = "") -> Step | None:
    """Start, or resume where the member left off (a named pack starts there afresh unless it
    is the one they were in), among the packs that answer in `channel`. A section named instead
    of a pack ("walkthrough send") starts at its first question."""
    place = store.walk_place(user)
    here = {s.name for s in library.for_channel(channel)}
    held = library.pack_named(place.pack) if place is not None else None
    held = held if held is not None and steps(held) else None   # (a pack edited to hold none: chosen afresh)
    if held is not None and (not name or name == held.name) and held.name in here:
        step = step_at(held, pressed_on(held, place.entry_id, place.position)[0], today)
        return replace(step, resumed=step.position > 0) if step is not None else None
    step = section_start(library, name, today, channel, within) if name and name not in here else None
    if step is None:
        pack = choose_pack(library, name, today, channel)
        step = step_at(pack, 0, today) if pack is not None else None
    if step is not None and (held is None or held.name == step.pack.name):
        # a place in another pack is kept until they move on in this one
        store.save_walk_place(user, step.pack.name, step.position, step.entry.id)
    return step


def move(library: Library, store: Store, user: str, pack_name: str, position: int, how: str,
         today: date | None = None, removed: bool = False) -> Step | None:
    """Next / Back / Skip section from `position` (the step the member pressed on). Returns
    the new step (saved), or None when the walk-through is finished (the place is forgotten).
    `removed`: the question pressed on was taken out of the pack since (`pressed_on`), so
    Next and Skip go to the question now in its place, Back to the one before that. The terminal's
    (one press at a time); Slack's buttons, which may be pressed together or on an old step, `press`."""
    pack = library.pack_named(pack_name)
    if pack is None:
        return None
    target = _target(pack, position, how, removed)
    if target is None:
        store.end_walk(user)
        return None
    step = step_at(pack, target, today)
    store.save_walk_place(user, pack.name, target, step.entry.id)
    return step


def _target(pack: Pack, position: int, how: str, removed: bool) -> int | None:
    """Where Next / Back / Skip section from `position` goes (as `move`), None past the last."""
    if how not in ("next", "back", "skip"):
        raise ValueError(how)
    total = len(steps(pack))
    if not total:
        return None
    if removed:   # its section is unknown now: Skip goes on as Next does
        position = max(0, min(position, total))
        return max(0, position - 1) if how == "back" else position if position < total else None
    position = max(0, min(position, total - 1))   # a pack edited shorter since the button was sent
    return (position + 1 if position + 1 < total else None) if how == "next" else (
        max(0, position - 1) if how == "back" else skip_section(pack, position))


def _is_at(place: WalkPlace, entry_id: str, number: int) -> bool:
    """Whether the place is the question a button names (by its question, else its number)."""
    return place.entry_id == entry_id if place.entry_id and entry_id else place.position == number


@dataclass(frozen=True)
class Pressed:
    """What a press of Next / Back / Skip section did: "moved" (to `step`), "finished" (past the
    last question: the place is forgotten), "ended" (the walk-through was stopped or finished
    before this press: nothing is saved), "elsewhere" (the member has moved on from the step
    pressed on: `step` is where they are; nothing is saved), "gone" (the pack holds no survey
    questions now, a reload took them out: nothing is moved or forgotten); and, for a press
    answered again (`since`), "current" (the place moved in this pack since it was pressed:
    `step` is where the member is; nothing is saved) or "left" (it moved in another pack since)."""
    outcome: str
    step: Step | None = None


def place_step(pack: Pack, place: WalkPlace, today: date | None = None) -> Step | None:
    """The step of `pack` a place in it is at (its question, wherever a reload moved it)."""
    return step_at(pack, pressed_on(pack, place.entry_id, place.position)[0], today)


def moved_since(place: WalkPlace | None, since: float | None) -> bool:
    """Whether a press answered again (`since`: when it was taken in) finds the member's place
    saved or moved after it was pressed: by its own earlier attempt (whose worker stopped before
    replying), or by a press or a start since. Either way the press is not to move it again, nor
    a Stop to forget it: the member may have gone on, or back, since. A place as it was when the
    press came in has been moved by nothing since, this press's earlier attempts included. (The
    place's time and the inbox's are both the bot's hosts' clocks.)"""
    return since is not None and place is not None and place.at >= since


def press(library: Library, store: Store, user: str, pack: Pack, entry_id: str, number: int, how: str,
          today: date | None = None, since: float | None = None) -> Pressed:
    """Next / Back / Skip section pressed on the step a button names (its question `entry_id`,
    sent as question `number`), applied only if the member is still there: a walk-through Stop
    has ended stays ended, a press on an old step moves nothing, and a press already applied (a
    double click, or the same step in two messages) shows where it went, without moving again.
    The place moves from where it was read, or not at all (`Store.move_walk_place`), so of two
    presses in flight together, on any instances, one moves it. A place in another pack is the one
    "starting another pack keeps": the member moves on in this one (`start`). `since`: the press
    is answered again, after an attempt that may have moved the place (`moved_since`): a place
    moved since is shown as it is, and never moved again (the member may have gone back since)."""
    entries = steps(pack)
    if not entries:   # no step to move to, nor to say the member is at
        return Pressed("gone")
    position, removed = pressed_on(pack, entry_id, number)
    target = _target(pack, position, how, removed)
    for _ in range(5):   # each lap: another press moved the place between the read and the write
        place = store.walk_place(user)
        if place is None:
            return Pressed("finished" if target is None else "ended")
        if moved_since(place, since):
            return Pressed("current", place_step(pack, place, today)) if place.pack == pack.name else Pressed("left")
        if place.pack == pack.name and not _is_at(place, entry_id, number):
            if target is not None and _is_at(place, entries[target].id, target):
                return Pressed("moved", step_at(pack, target, today))   # this press's move, made already
            return Pressed("elsewhere", place_step(pack, place, today))
        if target is None:
            if place.pack != pack.name:   # past the last of another pack: the walk-through they are in goes on
                return Pressed("finished")
            if store.end_walk(user, was=place):
                return Pressed("finished")
            continue
        step = step_at(pack, target, today)
        if store.move_walk_place(user, place, pack.name, target, step.entry.id):
            return Pressed("moved", step)
    raise RuntimeError("the walk-through place kept changing under this press")


def elsewhere_text(step: Step, command: str) -> str:
    return (f"That step is out of date: you're on question {step.position + 1} of {step.total} of "
            f"{step.pack.title}. Carry on from the message showing it, or `{command} walkthrough` shows it again.")


def ended_text(command: str) -> str:
    return (f"This walk-through was stopped (or finished), so that button does nothing now. `{command} walkthrough` "
            "starts it again from the first question.")


def finished_text(pack: Pack, how: str = "next") -> str:
    last = "section" if how == "skip" else "question"   # a skip may leave questions of it unseen
    return f"That was the last {last} of {pack.title}. The walk-through is finished."


def left_text(command: str) -> str:
    return (f"That step is out of date: you've gone on in another survey's walk-through since. `{command} walkthrough` "
            "shows where you are.")


def stopped_text(command: str) -> str:
    return f"Walk-through stopped. `{command} walkthrough` starts it again from the first question."
