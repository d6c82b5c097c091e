"""`synapse eval`: how well the matcher answers a labelled set of real-looking errors.

Positives must come back as the confident top match; negatives (errors no entry fixes)
must not get a confident answer. A confident wrong answer is counted on its own: it is
the failure that costs an agent the most.
"""

from __future__ import annotations

import json
import sqlite3
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from app.corpus import checker
from app.corpus.entries import Entry
from app.corpus.snapshot import load_solutions
from synapse_skill.matching import matcher
from synapse_skill.matching.extract import extract


@dataclass
class Case:
    q: str
    expect: str | None
    kind: str
    topic: str = ""  # the root cause as labelled (by-repository sets): an entry's slug, or what is missing
    env: dict | None = None  # the client's environment, as the skill would send it


@dataclass
class EvalReport:
    positives: int = 0
    correct: int = 0  # confident and right
    confident_wrong: int = 0  # confident and wrong (positives)
    abstained: int = 0  # positives without a confident answer
    negatives: int = 0
    false_confident: int = 0  # negatives given a confident answer
    latencies_ms: list[float] = field(default_factory=list)
    failures: list[tuple[str, str, str | None, str | None, float]] = field(default_factory=list)
    outcomes: list[tuple[Case, str | None]] = field(
        default_factory=list
    )  # each case and its confident answer

    @property
    def answered(self) -> int:
        """Cases given a confident answer, right or wrong."""
        return self.correct + self.confident_wrong + self.false_confident

    @property
    def wrong(self) -> int:
        """Confident answers that are wrong: to a positive, or to an error no entry fixes."""
        return self.confident_wrong + self.false_confident

    @property
    def precision(self) -> float:
        """Of the confident answers, the share that were right."""
        return self.correct / self.answered if self.answered else 1.0

    @property
    def accuracy(self) -> float:
        return self.correct / self.positives if self.positives else 0.0

    @property
    def false_confident_rate(self) -> float:
        return self.false_confident / self.negatives if self.negatives else 0.0

    @property
    def wrong_by_label(self) -> Counter:
        """What the labels say of the wrong answers (by-repository sets, which carry a topic): a
        wrong answer to an error whose thread never showed its cause cannot be checked either way,
        one to a project's own bug or to another entry's error is plainly wrong."""
        return Counter(label_kind(case) for case, got in self.outcomes if got and got != case.expect)

    def _wrong_by_label_line(self) -> list[str]:
        by_label = self.wrong_by_label
        if not by_label or "unlabelled" in by_label:  # by-topic sets carry no topic labels
            return []
        return [f"wrong, as labelled   {', '.join(f'{n} {kind}' for kind, n in by_label.most_common())}"]

    def percentile(self, p: float) -> float:
        data = sorted(self.latencies_ms)
        if not data:
            return 0.0
        return data[min(len(data) - 1, round(p / 100 * (len(data) - 1)))]

    def summary(self) -> str:
        total = self.positives + self.negatives
        return "\n".join(
            [
                f"cases                {total}",
                f"answered             {self.answered}: {self.correct} right, {self.wrong} wrong "
                f"(precision {self.precision:.1%})",
                f"abstained            {total - self.answered}",
                f"positives            {self.positives}",
                f"top-1 confident      {self.correct} ({self.accuracy:.1%})",
                f"confident wrong      {self.confident_wrong}",
                f"positives abstained  {self.abstained}",
                f"negatives            {self.negatives}",
                f"false confident      {self.false_confident} ({self.false_confident_rate:.1%})",
                *self._wrong_by_label_line(),
                f"latency p50 / p99    {statistics.median(self.latencies_ms or [0]):.2f} ms / {self.percentile(99):.2f} ms",
            ]
        )


def label_kind(case: Case) -> str:
    """Which kind of error a case's label says it is, for a wrong answer's account."""
    topic = case.topic.strip().lower()
    if case.expect:
        return "another entry's error"
    if not topic:
        return "unlabelled"
    if "unclear" in topic:
        return "cause unclear in the thread"
    return "project bug" if topic == "project-bug" else "another known cause"


def load_cases(path: Path) -> list[Case]:
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            cases.append(
                Case(
                    row["q"],
                    row.get("expect"),
                    row.get("kind", "positive"),
                    row.get("topic", ""),
                    row.get("env"),
                )
            )
    return cases


def memory_index(solutions: Path) -> sqlite3.Connection:
    """The published entries in a private in-memory index (no store needed)."""
    return checker.memory_index(parse_folder(solutions))


def parse_folder(solutions: Path) -> list[Entry]:
    """The valid entries of a folder (invalid ones are `synapse check`'s business)."""
    return load_solutions(solutions)[0]


def evaluate(conn, cases: list[Case]) -> EvalReport:
    report = EvalReport()
    cache = matcher.IndexCache()
    for case in cases:
        outcome = matcher.search(conn, case.q, limit=3, cache=cache, env=case.env)
        report.latencies_ms.append(outcome.took_ms)
        top = outcome.hits[0] if outcome.hits else None
        answered = top.slug if top and top.confident else None
        if case.expect:
            report.positives += 1
            if answered == case.expect:
                report.correct += 1
            elif answered:
                report.confident_wrong += 1
            else:
                report.abstained += 1
        else:
            report.negatives += 1
            if answered:
                report.false_confident += 1
        report.outcomes.append((case, answered))
        if answered != case.expect:
            report.failures.append(
                (case.kind, case.q, case.expect, top.slug if top else None, top.score if top else 0)
            )
    return report


def likely_topic(case: Case) -> str:
    """The case's labelled root cause, else its exception type: how unanswered texts are grouped."""
    if case.topic:
        return case.topic
    primary = extract(case.q).primary
    return primary.bare_type or "(no exception type)"


def coverage(report: EvalReport) -> list[tuple[str, int, int, str]]:
    """What the corpus does not answer yet: (topic, unanswered, of all, an example), most first.

    A case counts as unanswered when it gets no confident answer or a wrong one; grouping by
    the labelled topic (by-repository sets carry one) or by exception type shows which
    entries would pay off most.
    """
    totals: dict[str, int] = {}
    missed: dict[str, list[str]] = {}
    for case, answered in report.outcomes:
        topic = likely_topic(case)
        totals[topic] = totals.get(topic, 0) + 1
        if answered is None or answered != case.expect:
            missed.setdefault(topic, []).append(" ".join(case.q.split())[-120:])
    rows = [(topic, len(texts), totals[topic], texts[0]) for topic, texts in missed.items()]
    return sorted(rows, key=lambda r: (-r[1], r[0]))
