"""Scores the search on a question set (the format of shared/eval/dev_questions.yaml).

A result is right when one of the question's expected verbatim phrases occurs in the
entry's quoted text. Off-topic questions (empty `expect`) are right when the bot abstains.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from bot.errors import KnowledgeError
from bot.guide import reply_to
from bot.packs import Library
from bot.replies import build_reply, length_summary, render_text, shown_quotes
from bot.schema import load_yaml
from bot.search import Index


@dataclass
class EvalReport:
    total: int = 0
    on_topic: int = 0
    offtopic: int = 0
    top1: int = 0
    top3: int = 0
    abstained_offtopic: int = 0
    false_abstentions: int = 0
    wrong_answers: int = 0       # answered, and the first result is not right (off-topic answers included)
    ambiguous: int = 0           # answered by asking which of two near-tied entries was meant
    offered: int = 0             # false declines whose did-you-mean suggestions hold a right entry
    misses: list[str] = field(default_factory=list)
    by_kind: dict[str, EvalReport] = field(default_factory=dict)   # the same measures per question kind

    def ratio(self, n: int, d: int) -> float:
        return round(n / d, 3) if d else 0.0

    def summary(self) -> dict[str, float]:
        return {
            "top1": self.ratio(self.top1, self.on_topic),
            "top3": self.ratio(self.top3, self.on_topic),
            "offtopic_abstention": self.ratio(self.abstained_offtopic, self.offtopic),
            "false_abstention": self.ratio(self.false_abstentions, self.on_topic),
            "wrong_answer": self.ratio(self.wrong_answers, self.total),
        }

    def kind(self, name: str) -> EvalReport:
        if name not in self.by_kind:
            self.by_kind[name] = EvalReport()
        return self.by_kind[name]


MEASURES = (("top1", "top-1"), ("top3", "top-3"), ("offtopic_abstention", "off-topic declined"),
            ("false_abstention", "false declines"), ("wrong_answer", "wrong answers"))


def report_lines(report: EvalReport) -> list[str]:
    """The summary `python -m bot eval` prints: every measure, overall and per kind of question
    (a measure that doesn't apply to a kind, e.g. top-1 for off-topic questions, shows '-')."""
    s = report.summary()
    lines = [f"questions: {report.total} ({report.on_topic} on-topic, {report.offtopic} off-topic)",
             f"top-1: {s['top1']:.3f}  top-3: {s['top3']:.3f}",
             f"off-topic abstention: {s['offtopic_abstention']:.3f}  false abstention: {s['false_abstention']:.3f}",
             f"wrong answers (answered, first result wrong, off-topic included): {s['wrong_answer']:.3f}"]
    if report.false_abstentions:
        lines.append(f"false declines still offering a right entry as a did-you-mean suggestion: "
                     f"{report.offered} of {report.false_abstentions}")
    if report.ambiguous:
        lines.append(f"asked which one was meant (answered, ambiguous): {report.ambiguous}")
    if len(report.by_kind) > 1:
        lines.append("by kind:  " + "  ".join(f"{label:>18}" for _, label in MEASURES) + "   questions")
        for name in sorted(report.by_kind):
            k = report.by_kind[name]
            ks = k.summary()
            cells = []
            for key, _label in MEASURES:
                applies = k.offtopic if key == "offtopic_abstention" else (
                    k.total if key == "wrong_answer" else k.on_topic)
                cells.append(f"{ks[key]:>18.3f}" if applies else f"{'-':>18}")
            lines.append(f"{name:<9} " + "  ".join(cells) + f"   {k.total}")
    return lines


def _flat(text: str) -> str:
    from bot.normalise import words
    return " ".join(words(text))


def expected(item: dict) -> list[str]:
    """A question's `expect` phrases, as they are looked for in `quoted`."""
    return [_flat(p) for p in item.get("expect") or []]


def quoted(entry, pack) -> str:
    """What a reply for `entry` quotes, as `expected` phrases are looked for in it: the entry is
    right for a question when one of them is in here (the scoring rule of every set)."""
    return _flat(" ".join(shown_quotes(entry, pack)))


ITEM_KEYS = ("q", "expect", "kind", "note")


def load_questions(path: str) -> list[dict]:
    """A question set, each item checked: a text `q`, and `expect` a list of text phrases (a
    phrase given as text was scored character by character, and a number crashed)."""
    data = load_yaml(path)   # a syntax error is one line (file:line: what is wrong), as for app.yaml and packs
    if not isinstance(data, list):
        raise KnowledgeError("expected a list of {q, expect, kind} items", file=path,
                             line=getattr(data, "line", None))
    if not data:   # every score 0, as if measured
        raise KnowledgeError("the set has no questions", file=path)
    for i, item in enumerate(data):
        line = getattr(item, "line", None)
        if not isinstance(item, dict) or not isinstance(item.get("q"), str) or not item["q"].strip():
            raise KnowledgeError(f"item {i + 1}: expected a mapping with the question as text under 'q'",
                                 file=path, line=line)
        unknown = [k for k in item if k not in ITEM_KEYS]
        if unknown:   # a mistyped `expects:` made an on-topic question an off-topic one
            raise KnowledgeError(f"item {i + 1}: unknown key '{unknown[0]}' (an item has {', '.join(ITEM_KEYS)})",
                                 file=path, line=item.key_lines.get(str(unknown[0]), line))
        expect = item.get("expect")
        if expect is not None and not (isinstance(expect, list) and all(isinstance(p, str) for p in expect)):
            raise KnowledgeError(f"item {i + 1}: 'expect' must be a list of text phrases (or empty for an "
                                 f"off-topic question)", file=path, line=item.key_lines.get("expect", line))
        if expect and not all(map(_flat, expect)):   # "" is in every reply: any answer scored right
            raise KnowledgeError(f"item {i + 1}: an 'expect' phrase has no words", file=path,
                                 line=item.key_lines.get("expect", line))
        if not isinstance(item.get("kind") or "", str):   # none: counted by whether it expects an answer
            raise KnowledgeError(f"item {i + 1}: 'kind' must be text", file=path,
                                 line=item.key_lines.get("kind", line))
    return data


def _library(searcher: Library | Index) -> Library:
    return searcher if isinstance(searcher, Library) else Library.of(searcher)


def evaluate(searcher: Library | Index, questions: list[dict]) -> EvalReport:
    """Score every question as the bot searches it: every pack of a Library (as `ask` and Slack
    search them, one result list across the packs), or one pack's Index. Old sets without `kind`
    are all counted under "survey"/"offtopic" by whether they expect an answer."""
    library = _library(searcher)
    report = EvalReport()
    for item in questions:
        q, expect = str(item["q"]), expected(item)
        result, pack = library.find_matches(q, limit=3, also=True)   # replies as members get them
        kind = str(item.get("kind") or ("survey" if expect else "offtopic"))
        both = (report, report.kind(kind))
        # the reply asks, not the search alone: twins saying the same about what was asked are answered
        asks = result.answered and result.ambiguous and build_reply(result, pack, "").ambiguous
        for r in both:
            r.total += 1
            r.ambiguous += asks
        if not expect:
            for r in both:
                r.offtopic += 1
            if result.answered:
                top = result.best
                for r in both:
                    r.wrong_answers += 1
                report.misses.append(f"ANSWERED off-topic: {q!r} -> {top.entry.id} ({top.score})")
            else:
                for r in both:
                    r.abstained_offtopic += 1
            continue
        ranks = [i for i, m in enumerate(result.matches)
                 if any(p in quoted(m.entry, library.pack_of(m.entry)) for p in expect)]
        for r in both:
            r.on_topic += 1
            r.top1 += bool(ranks and ranks[0] == 0)
            r.top3 += bool(ranks and ranks[0] < 3)
            if not result.answered:
                r.false_abstentions += 1
                r.offered += bool(ranks)   # declined, with a right entry among the suggestions
            elif not ranks or ranks[0] != 0:
                r.wrong_answers += 1
        if not ranks or ranks[0] != 0 or not result.answered:
            got = ", ".join(f"{m.entry.id}({m.score})" for m in result.matches) or "nothing"
            flag = f"ABSTAINED ({result.reason}) " if not result.answered else ""
            report.misses.append(f"{flag}{q!r} -> {got}")
    return report


def reply_lengths(searcher: Library | Index, questions: list[dict], config) -> dict[str, int]:
    """Length of the short reply (as `ask` prints it) for every answered question of a set."""
    library = _library(searcher)
    lengths = []
    for item in questions:
        result, reply = reply_to(library, config, str(item["q"]))
        if result.answered:
            lengths.append(len(render_text(reply)))
    return length_summary(lengths)
