"""Scores the search on a question set (the format of shared/eval/dev_questions.yaml).

A result is right when one of the question's expected verbatim phrases occurs in the
entry's quoted text. Off-topic questions (empty `expect`) are right when the bot abstains.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from bot.errors import KnowledgeError
from bot.replies import shown_quotes
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
    misses: list[str] = field(default_factory=list)

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


def _flat(text: str) -> str:
    from bot.normalise import words
    return " ".join(words(text))


def load_questions(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        try:
            data = yaml.safe_load(f)
        except yaml.YAMLError as e:
            raise KnowledgeError(f"not valid YAML: {e}", file=path) from None
    if not isinstance(data, list) or not all(isinstance(q, dict) and "q" in q for q in data):
        raise KnowledgeError("expected a list of {q, expect, kind} items", file=path)
    return data


def evaluate(index: Index, questions: list[dict]) -> EvalReport:
    report = EvalReport()
    for item in questions:
        q, expect = str(item["q"]), [_flat(p) for p in item.get("expect") or []]
        result = index.find_matches(q, limit=3)
        report.total += 1
        if not expect:
            report.offtopic += 1
            if result.answered:
                top = result.best
                report.wrong_answers += 1
                report.misses.append(f"ANSWERED off-topic: {q!r} -> {top.entry.id} ({top.score})")
            else:
                report.abstained_offtopic += 1
            continue
        report.on_topic += 1
        ranks = [i for i, m in enumerate(result.matches)
                 if any(p in _flat(" ".join(shown_quotes(m.entry, index.pack))) for p in expect)]
        if ranks and ranks[0] == 0:
            report.top1 += 1
        if ranks and ranks[0] < 3:
            report.top3 += 1
        if not result.answered:
            report.false_abstentions += 1
        elif not ranks or ranks[0] != 0:
            report.wrong_answers += 1
        if not ranks or ranks[0] != 0 or not result.answered:
            got = ", ".join(f"{m.entry.id}({m.score})" for m in result.matches) or "nothing"
            flag = "ABSTAINED " if not result.answered else ""
            report.misses.append(f"{flag}{q!r} -> {got}")
    return report
