"""Lists every quotation a reply can open a passage with whose first sentence refers back
(bot.replies.refers_back: "This ...", "Providers can use this ...", "We have done that."), with
the source text just before it, to be read there: does it stand alone, or is its referent
missing from the reply?

Why: the rule joins such a sentence to the quotation before it, but it can't fix what the pack
doesn't quote: an entry's first quotation, a quotation listed in `refers_elsewhere`, a survey
entry's guidance basis or a "since" line. Those are what this lists, after any pack edit.

What is looked at: each glossary or background passage (any can lead: replies put the one
nearest the question first), and each quotation of every survey reply's full view, for the
question and each statement (guidance, commentary, survey text, since lines).

    .venv/bin/python scripts/referring_leads.py [--sources ../shared/sources]
"""
import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.knowledge import BackgroundEntry, GlossaryEntry, SurveyEntry, load_pack  # noqa: E402
from bot.replies import entry_reply, full_lines, passages, refers_back, sentences  # noqa: E402


def normalised(text: str) -> str:
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).strip()


def openings(pack):
    """(entry id, where, quotation, source id) for every quotation that opens a passage or stands
    as its own line."""
    for e in pack.entries:
        if isinstance(e, GlossaryEntry | BackgroundEntry):
            for group in passages(list(e.body), e.refers_elsewhere):
                i = group[0]
                why = ("first quotation" if i == 0 else "refers_elsewhere" if i in e.refers_elsewhere
                       else "passage")
                yield e.id, why, e.body[i], e.source
            for s in e.since:
                yield e.id, "since", s.text, s.source
        elif isinstance(e, SurveyEntry):
            for statement in (None, *range(len(e.statements))):
                reply = entry_reply(e, pack, "", statement=statement)
                for line in full_lines(reply):
                    if line.quote is not None:
                        yield e.id, line.quote.role, line.quote.text, line.quote.source


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pack", default=str(ROOT / "knowledge" / "big-listen"))
    parser.add_argument("--sources", default=str(ROOT.parent / "shared" / "sources"))
    args = parser.parse_args()
    pack = load_pack(args.pack)
    folder = Path(args.sources)
    texts = {sid: normalised((folder / s.file).read_text(encoding="utf-8")) if (folder / s.file).exists() else ""
             for sid, s in pack.sources.items()}
    seen: dict[tuple[str, str, str], list[str]] = {}
    for entry_id, why, text, source in openings(pack):
        if refers_back(text):
            seen.setdefault((why, text, source), []).append(entry_id)
    for (why, text, source), ids in seen.items():
        first = sentences(text)[0]
        at = texts[source].find(normalised(first))
        before = texts[source][max(0, at - 160):at] if at > 0 else "(not found in the entry's source)"
        print(f"{', '.join(dict.fromkeys(ids))} ({why}): {first}\n    before it: ...{before}\n")
    print(f"{len(seen)} quotations open with a sentence that refers back", file=sys.stderr)


if __name__ == "__main__":
    main()
