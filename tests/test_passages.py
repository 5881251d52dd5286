"""A passage joins only sentences that belong together in the source.

`bot.replies.passages` joins a sentence that refers back ("This means ...", "It comes after
...") to the quotation stored just before it, and the reply shows the two as one passage. That
is right only when the two are adjacent in the source: when the pack skips or reorders
sentences, "This" would point at the wrong thing. Whitespace and curly quotes are normalised,
as in tests/test_quotes.py; nothing else.
"""
from __future__ import annotations

from bot.knowledge import BackgroundEntry, GlossaryEntry
from bot.replies import LIST_GOES_ON, REFERS_BACK, passages
from conftest import normalised

# Entries whose first quotation refers back, with why the sentence it refers to is not quoted.
FIRST_REFERS_BACK: dict[str, str] = {
    "area-send-inspections": "'This question' is the survey statement the NASUWT comments block follows, "
                             "Ofsted's words; the entry quotes the union only",
    "single-word-judgements-removal": "'This includes' refers to the renewed EIF and report card, two sentences "
                                      "that report-cards-eif-timeline and education-inspection-framework quote "
                                      "in order; in a third entry their timetable would be right for too many "
                                      "entries to stay an ask (scripts/asks_from_sets.py)",
    "send": "'It will be important to think about ...' is an anticipatory it: it refers back to nothing",
}




def _bodied(pack):
    return [e for e in pack.entries if isinstance(e, GlossaryEntry | BackgroundEntry)]


def _joined_by_reference(texts: list[str]) -> list[tuple[int, int]]:
    """The (before, after) pairs `passages` joins because `after` refers back, not as list items."""
    pairs = []
    for group in passages(texts):
        lead = texts[group[0]].rstrip()
        for before, after in zip(group, group[1:]):
            prev = texts[before].rstrip()
            in_list = lead.endswith(":") and (prev.endswith(LIST_GOES_ON) or texts[after][:1].islower())
            if not in_list and texts[after].startswith(REFERS_BACK):
                pairs.append((before, after))
    return pairs


def _adjacent(first: str, second: str, source: str) -> bool:
    """`second` starts right after `first` ends in the source, with only whitespace between."""
    a, b = normalised(first), normalised(second)
    return f"{a} {b}" in source or f"{a}{b}" in source


def test_a_referring_sentence_follows_what_it_refers_to(pack, sources):
    wrong = []
    for e in _bodied(pack):
        text = sources[e.source]
        for before, after in _joined_by_reference(list(e.body)):
            if not _adjacent(e.body[before], e.body[after], text):
                wrong.append(f"{e.id}: [{before}] {e.body[before][:60]!r} + [{after}] {e.body[after][:60]!r}")
    assert not wrong, "passages join sentences not adjacent in the source:\n" + "\n".join(wrong)


def test_no_entry_starts_by_referring_back(pack):
    starts = sorted(e.id for e in _bodied(pack) if e.body and e.body[0].startswith(REFERS_BACK))
    assert starts == sorted(FIRST_REFERS_BACK), (
        "entries whose first quotation refers back to nothing (add what it refers to, or list "
        f"the entry in FIRST_REFERS_BACK with the reason): {sorted(set(starts) - set(FIRST_REFERS_BACK))}; "
        f"listed but no longer starting so: {sorted(set(FIRST_REFERS_BACK) - set(starts))}")


def test_the_pair_check_can_fail(sources):
    """Guard the guard: two sentences a sentence apart in the source are not adjacent."""
    text = sources["nasuwt-commentary"]
    words = text.split(". ")
    assert _adjacent(words[10] + ".", words[11] + ".", text)
    assert not _adjacent(words[10] + ".", words[12] + ".", text)
    assert _joined_by_reference(["A lead-in:", "This item;", "It goes on.", "Unrelated.", "This refers."]) == [(3, 4)]
