"""The Markdown page: the headline table against the targets, then each measurement."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol


class TargetLike(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def wanted(self) -> str: ...


def markdown(doc: dict[str, Any], targets: Iterable[TargetLike]) -> str:
    run, host = doc["run"], doc["machine"]
    parts = [
        "# Performance\n",
        f"Measured {run['date']} with `{run['command']}` (mode `{run['mode']}`, "
        f"{run['seconds']} s), by `tests/bench/`. Every figure comes from the real services "
        "as separate processes (`hocvuso.devstack.Stack`) over Tansu (in memory) and "
        "nx-27017, with all four services running. Regenerate with `make bench`.\n",
        f"Machine: {host['cores']} cores ({host['cpu']}), {host['memory_gb']} GB, Linux "
        f"{host['kernel']}, Python {host['python']}; load average at the end "
        f"{host['load_average_at_end']}. The machine is shared with other work: absolute "
        "rates move from run to run, so each stream figure is a ratio to a raw aiokafka "
        "`getmany` read of the same records in the same run.\n",
        _headline(doc, targets),
        _unfinished(doc),
        _streams(doc),
        _http(doc),
        _e2e(doc),
        _memory(doc),
        _restart(doc),
        _sizes(doc),
    ]
    return "\n".join(p for p in parts if p)


def _num(value: Any, digits: int = 0) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if not isinstance(value, int | float):
        return str(value)
    if abs(value) >= 1 or value == 0 or (digits and abs(value) >= 10**-digits):
        return f"{value:,.{digits}f}"
    return f"{value:.2g}"  # a small ratio keeps two significant digits


def _ratio(value: Any) -> str:
    return "—" if value is None else f"{value:.2g}"


def _table(head: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    lines += [
        "| " + " | ".join(_num(c) if not isinstance(c, str) else c for c in r) + " |" for r in rows
    ]
    return "\n".join(lines) + "\n"


def _headline(doc: dict[str, Any], targets: Iterable[TargetLike]) -> str:
    rows = [
        (
            t.label,
            f"`{t.key}`",
            _ratio(doc.get(t.key)) if "ratio" in t.key else _num(doc.get(t.key)),
            t.wanted,
            doc["targets"].get(t.key, ""),
        )
        for t in targets
    ]
    return "## Against the targets of the Speed issue\n\n" + _table(
        ("figure", "key", "measured", "target", "verdict"), rows
    )


def _unfinished(doc: dict[str, Any]) -> str:
    notes = []
    if doc.get("did_not_finish"):
        notes.append("**Did not finish in time:** " + "; ".join(doc["did_not_finish"]) + ".")
    if "grading_ratio_to_raw_at_least" in doc:
        notes.append(
            f"Grading decided only part of the mix in time: at least "
            f"{_num(doc['grading_submissions_per_s_at_least'])} submissions/s, a ratio of at "
            f"least {_ratio(doc['grading_ratio_to_raw_at_least'])} and at most "
            f"{_ratio(doc['grading_ratio_to_raw_at_most'])} to the raw read."
        )
    if doc["run"].get("phases_not_run_yet"):
        notes.append("**Partial:** not run yet: " + ", ".join(doc["run"]["phases_not_run_yet"]))
    return "\n\n".join(notes) + "\n" if notes else ""


def _streams(doc: dict[str, Any]) -> str:
    rows = [
        ("raw aiokafka read of stats' topics", _num(doc.get("raw_consume_events_per_s")), "1"),
        (
            "stats, seeded mix until the province counters are final",
            _num(doc.get("stats_events_per_s")),
            _ratio(doc.get("stats_ratio_to_raw")),
        ),
        (
            "raw aiokafka read of the attempts topic",
            _num(doc.get("grading_raw_consume_events_per_s")),
            "1",
        ),
        (
            "grading, starts + submissions until every result is published",
            _num(doc.get("grading_events_per_s")),
            _ratio(doc.get("grading_ratio_to_raw")),
        ),
    ]
    return (
        "## Stream throughput\n\n"
        + _table(("path", "events/s", "ratio to raw"), rows)
        + f"\nStats: {_num(doc.get('stats_events'))} events for "
        f"{_num(doc.get('stats_learners'))} learners (registrations over all 96 communes and "
        "the unit tree, topic completions, certificates, 2% redelivered duplicates, shuffled), "
        "timed from the first record produced until `GET /v1/stats/province` shows the "
        "counters computed by the generator; every commune and unit touched matched exactly "
        f"afterwards: {_num(doc.get('stats_exact'))}.\n\n"
        f"Grading: {_num(doc.get('grading_learners'))} learners who have studied every lesson "
        "(not timed) take the five quizzes and the final exam (quiz : exam = 5 : 1); "
        f"{_num(doc.get('grading_events'))} starts + submissions, "
        f"{_num(doc.get('grading_submissions_per_s'))} submissions/s, timed until every "
        "verdict (graded or rejected: a learner who failed a quiz may not sit the exam) is on "
        "the grades topic; verdicts as the generator expected: "
        f"{_num(doc.get('grading_outcomes_as_expected'))}.\n\n"
        "The other three services consume the same records meanwhile, as in production; "
        "enrollment never registered these learners (they went straight onto Kafka), so it "
        "looks each grade or certificate up and dead-letters it instead of recording it: a "
        "database read and a send per record either way.\n\n"
        f"Stats latency: registrations produced at {_num(doc.get('stats_e2e_rate_per_s'))}/s, "
        "a 1-in-20 sample visible once the province learner count reached it (polled every "
        f"20 ms): p50 {_num(doc.get('stats_e2e_p50_ms'))} ms, p99 "
        f"{_num(doc.get('stats_e2e_p99_ms'))} ms, max {_num(doc.get('stats_e2e_max_ms'))} ms.\n"
    )


def _http(doc: dict[str, Any]) -> str:
    steps = doc.get("http_steps", [])
    rows = [
        (
            s["kind"],
            s["rate"],
            s["achieved"],
            s["p50_ms"],
            s["p99_ms"],
            s["errors"],
            f"{s['generator_cpu']:.0%}",
            "pass" if s["pass"] else "FAIL",
        )
        for s in steps
    ]
    return (
        "## Enrollment, one instance, open loop\n\n"
        "Requests at a constant rate from a generator in its own process "
        "(`tests/bench/http1.py`: keep-alive connections, httptools), latency "
        "from each request's scheduled time (no coordinated omission); the rate steps up "
        "until p99 exceeds 250 ms, a request fails or fewer than 90% of the scheduled "
        "requests complete; capacity is the highest passing rate. `generator CPU` is the "
        "generator process's share of one core.\n\n"
        + _table(
            ("request", "rate/s", "ok/s", "p50 ms", "p99 ms", "errors", "generator CPU", "step"),
            rows,
        )
        + f"\nCapacity: registration {_num(doc.get('enrollment_registrations_per_s'))}/s, "
        f"lesson progress {_num(doc.get('enrollment_requests_per_s'))}/s, answers "
        f"{_num(doc.get('enrollment_answers_per_s'))}/s.\n"
    )


def _e2e(doc: dict[str, Any]) -> str:
    runs = doc.get("e2e_runs", [])
    rows = [
        (
            r["rate"],
            r["answers_ok"],
            r["errors"],
            r["samples"],
            r["p50_ms"],
            r["p99_ms"],
            r["max_ms"],
            r["unfinished"],
            r["http_p99_ms"],
            f"{r['generator_cpu']:.0%}",
        )
        for r in runs
    ]
    return (
        "## Answer → graded visible\n\n"
        "Answers sent open-loop at each rate; for 1 in 20, the generator's process polls "
        "`GET /v1/attempts/{id}` every 20 ms from the answer's 2xx until grading's verdict "
        "shows (two Kafka hops: enrollment → grading → enrollment). Samples not graded "
        "within 30 s count with their age then (a lower bound). The headline rate is 300/s "
        "or 60% of the measured answer capacity, whichever is higher: "
        f"{_num(doc.get('e2e_rate_per_s'))}/s.\n\n"
        + _table(
            (
                "rate/s",
                "answers ok",
                "errors",
                "samples",
                "p50 ms",
                "p99 ms",
                "max ms",
                "not graded in 30 s",
                "HTTP p99 ms",
                "generator CPU",
            ),
            rows,
        )
    )


def _memory(doc: dict[str, Any]) -> str:
    points = doc.get("memory_points", [])
    services = list(points[0]["rss_mb"]) if points else []
    rows = [(p["learners"], *(p["rss_mb"][s] for s in services)) for p in points]
    per = [_num(doc.get(f"{s}_rss_mb_per_100k_learners"), 1) for s in services]
    return (
        "## Resident memory\n\n"
        "Learners' state built by producing a registration and a lesson report per learner "
        "straight onto Kafka (the smallest state a learner has: stats and certs hold the "
        "registration, grading one lesson's progress; attempts would add to grading's), "
        "then RSS (`VmRSS` of each service process) once every service had consumed them. "
        "Per 100k learners: growth from the first to the last point.\n\n"
        + _table(("learners", *(f"{s} MB" for s in services)), rows)
        + "\n"
        + _table(("", *services), [("MB per 100k learners", *per)])
    )


def _restart(doc: dict[str, Any]) -> str:
    runs = doc.get("restart_runs", [])
    if not runs:
        return ""
    backlog = doc.get("restart_backlog") or 0
    what = (
        f"caught up with {backlog:,} learners produced while it was down"
        if backlog
        else "consuming again"
    )
    rows = [(r["service"], r["healthz_s"], r["consuming_s"]) for r in runs]
    return (
        f"## Restart after SIGKILL with {doc.get('restart_learners', 0):,} learners' state\n\n"
        "From the start of the new process: `/healthz` answering, and the service having "
        "dead-lettered a sentinel record on every partition of an input topic.\n\n"
        + _table(
            ("service", "/healthz s", f"{what} s"),
            [(s, _num(h, 1), _num(c, 1)) for s, h, c in rows],
        )
    )


def _sizes(doc: dict[str, Any]) -> str:
    sizes = doc["sizes"]
    note = {
        "quick": "Quick mode: small sizes that prove the harness works; not figures to quote.",
        "standard": "The sizes the Speed issue asks for (`make bench`).",
        "full": "Full mode: adds 1 million learners and restart-to-caught-up.",
    }.get(sizes["name"], "")
    return (
        f"## Sizes of this run\n\n{note}\n\n```\n"
        + "\n".join(f"{k}: {v}" for k, v in sizes.items())
        + "\n```\n"
    )
