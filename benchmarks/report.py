"""results.json and its Markdown tables: figures, pipekit's ratios, checks and issue-3 targets."""

# ruff: noqa: RUF001  (the tables use a typographic en dash and multiplication sign on purpose)
from __future__ import annotations

import json
import sys
from typing import Any

from measure import Stats
from workspaces import WIDE_IDEAL_S, WIDE_JOBS

MB = 1_000_000 / 2**20  # one MB (10^6 bytes) in MiB
PEERS = ("make", "ninja")


def _plain(x: Any) -> Any:
    if isinstance(x, Stats):
        return x.to_json()
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    return x


def _median(fig: dict[str, Any] | None) -> float | None:
    if not fig or not fig.get("ok"):
        return None
    return float(fig["wall_s"]["median"])


def _cpu(fig: dict[str, Any] | None) -> float | None:
    """Median CPU seconds (user + sys): steadier than wall time on a loaded machine."""
    if not fig or not fig.get("ok"):
        return None
    return float(fig["cpu_s"]["median"])


def _peak(fig: dict[str, Any] | None) -> float | None:
    if not fig or not fig.get("ok"):
        return None
    return float(fig["peak_mib"]["max"])


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def targets(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 3's speed targets, each with the measured figure and met / not met / None."""
    out: list[dict[str, Any]] = []

    def add(target: str, value: float | None, limit: float, shown: str) -> None:
        met = None if value is None else value <= limit
        out.append(
            {"target": target, "value": value, "limit": limit, "measured": shown, "met": met}
        )

    noop = data["noop"]
    pk = _median(noop.get("pipekit"))
    floor = _median(noop.get("floor: venv python -c pass"))
    make = _median(noop.get("make"))
    add(
        "start-up (`pipekit run noop`) ≤ 40 ms",
        pk,
        0.040,
        f"{pk * 1e3:.1f} ms ({(pk - floor) * 1e3:+.1f} ms over the venv's `python -c pass`;"
        f" make {make * 1e3:.1f} ms)"
        if pk is not None and floor is not None and make is not None
        else "–",
    )
    dag = data["dag"]
    for n in sorted(dag, key=int):
        r = dag[n]
        pk_a = _median(r.get("pipekit", {}).get("a"))
        mk_a = _median(r.get("make", {}).get("a"))
        ratio = _ratio(pk_a, mk_a)
        add(
            f"full build, N={n}, -j2 ≤ 1.25× make",
            ratio,
            1.25,
            f"{ratio:.2f}× ({pk_a:.3f} s vs {mk_a:.3f} s)" if ratio else "–",
        )
    b1000 = _median(dag.get("1000", {}).get("pipekit", {}).get("b"))
    add("1,000-task no-op ≤ 60 ms", b1000, 0.060, f"{b1000 * 1e3:.0f} ms" if b1000 else "–")
    r10k = dag.get("10000", {})
    pk_b, mk_b = _median(r10k.get("pipekit", {}).get("b")), _median(r10k.get("make", {}).get("b"))
    ratio = _ratio(pk_b, mk_b)
    add(
        "10,000-task no-op ≤ 4× make",
        ratio,
        4.0,
        f"{ratio:.1f}× ({pk_b * 1e3:.0f} ms vs {mk_b * 1e3:.0f} ms)"
        if ratio and pk_b is not None and mk_b is not None
        else "–",
    )
    r1k = dag.get("1000", {})
    pk_c, mk_c = _median(r1k.get("pipekit", {}).get("c")), _median(r1k.get("make", {}).get("c"))
    ratio = _ratio(pk_c, mk_c)
    add(
        "one change at 1,000 tasks ≤ 2.5× make",
        ratio,
        2.5,
        f"{ratio:.2f}× ({pk_c * 1e3:.0f} ms vs {mk_c * 1e3:.0f} ms)"
        if ratio and pk_c is not None and mk_c is not None
        else "–",
    )
    wide = _median(data["wide"].get("pipekit"))
    over = None if wide is None else wide - WIDE_IDEAL_S
    add(
        f"wide run within 30 ms of ideal ({WIDE_IDEAL_S:.2f} s)",
        over,
        0.030,
        f"{wide:.3f} s ({over * 1e3:+.0f} ms)" if wide is not None and over is not None else "–",
    )
    peaks = [_peak(r10k.get("pipekit", {}).get(k)) for k in "abc"]
    peak = max((p for p in peaks if p is not None), default=None)
    add(
        "peak memory at 10,000 tasks ≤ 150 MB",
        peak,
        150 * MB,
        f"{peak / MB:.0f} MB ({peak:.0f} MiB)" if peak is not None else "–",
    )
    return out


def _minus(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def plugin_targets(p: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 13's targets: `uses` pipelines start like `run` ones, an unused plugin is free."""
    if not p:
        return []
    names = {
        "runs": "seed, run tasks",
        "uses": "seed, uses steps",
        "plugin": "seed, uses steps + unused plugin installed",
        "dag_run": next((k for k in p if k.startswith("dag, run")), ""),
        "dag_uses": next((k for k in p if k.startswith("dag, uses")), ""),
    }
    wall = {k: _median(p.get(v)) for k, v in names.items()}
    cpu = {k: _cpu(p.get(v)) for k, v in names.items()}
    out = []
    for target, a, b, limit in (
        ("seed no-op, uses steps ≤ 1.2× run tasks", "uses", "runs", 1.2),
        ("1,000-task no-op, uses steps ≤ 1.3× run tasks", "dag_uses", "dag_run", 1.3),
    ):
        ratio, cpu_ratio = _ratio(wall[a], wall[b]), _ratio(cpu[a], cpu[b])
        shown = "–"
        if ratio and cpu_ratio:
            shown = (
                f"{ratio:.2f}× ({wall[a] * 1e3:.1f} ms vs {wall[b] * 1e3:.1f} ms); "  # type: ignore[operator]
                f"CPU time {cpu_ratio:.2f}×"
            )
        met = None if ratio is None else ratio <= limit
        out.append(
            {"target": target, "value": ratio, "limit": limit, "measured": shown, "met": met}
        )
    added = (
        None if wall["plugin"] is None or wall["uses"] is None else wall["plugin"] - wall["uses"]
    )
    added_cpu = (
        None if cpu["plugin"] is None or cpu["uses"] is None else cpu["plugin"] - cpu["uses"]
    )
    out.append(
        {
            "target": "an unused third-party plugin adds < 3 ms to the seed no-op",
            "value": added,
            "limit": 0.003,
            "measured": "–"
            if added is None or added_cpu is None
            else f"{added * 1e3:+.1f} ms; CPU time {added_cpu * 1e3:+.1f} ms",
            "met": None if added is None else added < 0.003,
        }
    )
    return out


def as_json(meta: dict[str, Any], results: dict[str, Any], checks: list[Any]) -> dict[str, Any]:
    """Everything measured, as plain data, with the targets evaluated."""
    data: dict[str, Any] = {"meta": meta, **_plain(results), "checks": checks}
    data["targets"] = targets(data)
    data["plugin_targets"] = plugin_targets(data.get("plugins", {}))
    return data


# -- Markdown ---------------------------------------------------------------------------


def _fig(fig: dict[str, Any] | None, scale: float = 1.0, digits: int = 3) -> str:
    if not fig:
        return "–"
    if not fig.get("ok"):
        return "timed out" if fig.get("timed_out") else f"failed (exit {fig.get('exit')})"
    w = fig["wall_s"]
    f = f"{{:.{digits}f}}"
    return (
        f"{f.format(w['median'] * scale)}"
        f" ({f.format(w['min'] * scale)}–{f.format(w['max'] * scale)})"
    )


def _times(ratio: float | None) -> str:
    return f"**{ratio:.2f}×**" if ratio is not None else "–"


def _noop_table(noop: dict[str, Any]) -> list[str]:
    lines = [
        "| command | wall ms, median (min–max) | peak MiB |",
        "|---|---|---|",
    ]
    for name, fig in noop.items():
        lines.append(f"| {name} | {_fig(fig, 1e3, 1)} | {_peak_str(fig)} |")
    pk = _median(noop.get("pipekit"))
    for peer in PEERS:
        if peer in noop and pk is not None:
            lines.append(f"| pipekit ÷ {peer} | {_times(_ratio(pk, _median(noop[peer])))} | |")
    floor = _median(noop.get("floor: venv python -c pass"))
    if pk is not None and floor is not None:
        lines += [
            "",
            f"pipekit's start-up above its own venv's `python -c pass`: "
            f"**{(pk - floor) * 1e3:+.1f} ms**.",
        ]
    return lines


def _peak_str(fig: dict[str, Any] | None) -> str:
    p = _peak(fig)
    return "–" if p is None else f"{p:.0f}"


def _dag_table(n: str, r: dict[str, Any]) -> list[str]:
    lines = [
        f"### dag, N = {n} (changing src/0.txt reruns {r['expected_c']} tasks, a chain)",
        "",
        "| tool | (a) clean full build -j2, s | (b) no-op rebuild, s | (c) one source changed, s"
        " | peak MiB (a / b / c) |",
        "|---|---|---|---|---|",
    ]
    tools = [t for t in r if t != "expected_c"]
    for t in tools:
        figs = r[t]
        peaks = " / ".join(_peak_str(figs.get(k)) for k in "abc")
        lines.append(
            f"| {t} | {_fig(figs.get('a'))} | {_fig(figs.get('b'))} | {_fig(figs.get('c'))}"
            f" | {peaks} |"
        )
    if "pipekit" in r:
        for peer in PEERS:
            if peer in r:
                cells = [
                    _times(_ratio(_median(r["pipekit"].get(k)), _median(r[peer].get(k))))
                    for k in "abc"
                ]
                lines.append(f"| pipekit ÷ {peer} | " + " | ".join(cells) + " | |")
    return lines


def _wide_table(wide: dict[str, Any]) -> list[str]:
    lines = [
        f"16 × `sleep 0.25` under `all`, -j{WIDE_JOBS}: ideal {WIDE_IDEAL_S:.2f} s.",
        "",
        "| tool | wall s, median (min–max) | over ideal | peak MiB |",
        "|---|---|---|---|",
    ]
    for t, fig in wide.items():
        m = _median(fig)
        over = "–" if m is None else f"{(m - WIDE_IDEAL_S) * 1e3:+.0f} ms"
        lines.append(f"| {t} | {_fig(fig)} | {over} | {_peak_str(fig)} |")
    pk = _median(wide.get("pipekit"))
    for peer in PEERS:
        if peer in wide and pk is not None:
            lines.append(f"| pipekit ÷ {peer} | {_times(_ratio(pk, _median(wide[peer])))} | | |")
    return lines


#: issue 10: `pipekit emit github` within these seconds at these sizes
EMIT_TARGETS = {"1000": 2.0, "5000": 10.0}


def _emit_table(emit: dict[str, Any]) -> list[str]:
    """emit makefile and emit github per size: time, ratio, bytes, the target."""
    lines = [
        "### emit: `pipekit emit makefile|github` of the dag pipeline (all tasks in CI)",
        "",
        "| N | emit makefile (s) | emit github (s) | github ÷ makefile | Makefile | workflow "
        "| target (github) |",
        "|---|---|---|---|---|---|---|",
    ]
    for n in sorted(emit, key=int):
        row = emit[n]
        mk, gh = row.get("makefile"), row.get("github")
        ratio = None
        if mk and gh and mk.get("ok") and gh.get("ok"):
            ratio = gh["wall_s"]["median"] / mk["wall_s"]["median"]
        size = row.get("bytes", {})
        target = EMIT_TARGETS.get(n)
        verdict = "–"
        if target is not None and gh and gh.get("ok"):
            met = gh["wall_s"]["median"] <= target
            verdict = f"≤ {target:g} s: {'met' if met else '**missed**'}"
        lines.append(
            f"| {n} | {_fig(mk)} | {_fig(gh)} | {_times(ratio)} "
            f"| {size.get('makefile', 0) / 1e6:.2f} MB | {size.get('github', 0) / 1e6:.2f} MB "
            f"| {verdict} |"
        )
    return lines


def markdown(data: dict[str, Any]) -> str:
    """The results as Markdown tables."""
    m = data["meta"]
    lines = [
        "## pipekit benchmark",
        "",
        f"{m['date_utc']}; {m['nproc']} CPUs ({m['cpu']}), Linux {m['kernel']}, "
        f"Python {m['python']}; pipekit {m['pipekit_commit']}; "
        + ", ".join(v if k in v.lower() else f"{k} {v}" for k, v in m["versions"].items())
        + ".",
        f"Whole-process wall time, median of {m['runs']} runs ({m['noop_runs']} for start-up)"
        " after one warm-up, (min–max); the tools take turns run by run, and each ratio is"
        " pipekit's median over the peer's median in this same run.",
        f"Load average (1, 5, 15 min) at the start: {m.get('loadavg_start', '?')}; at the end:"
        f" {m.get('loadavg_end', '?')} (the machine has {m['nproc']} CPUs)."
        " Peak RSS is the largest single process (os.wait4); Linux carries the parent's RSS"
        " across fork and exec, so its floor is this benchmark's own (the `true` row).",
    ]
    lines += [f"Note: {n}." for n in m.get("notes", [])]
    if data["noop"]:
        lines += ["", "### start-up: `TOOL noop`, one task running `true`", ""]
        lines += _noop_table(data["noop"])
    for n in sorted(data["dag"], key=int):
        lines += ["", *_dag_table(n, data["dag"][n])]
    if data["wide"]:
        lines += ["", "### wide", "", *_wide_table(data["wide"])]
    if data.get("emit"):
        lines += ["", *_emit_table(data["emit"])]
    if data.get("plugins"):
        lines += ["", "### plugins (issue 13): no-op runs of real pipelines", ""]
        lines += ["| pipeline | wall ms, median (min–max) | CPU ms, median |", "|---|---|---|"]
        for name, fig in data["plugins"].items():
            used = _cpu(fig)
            shown = "–" if used is None else f"{used * 1e3:.1f}"
            lines.append(f"| {name} | {_fig(fig, 1e3, 1)} | {shown} |")
    lines += [
        "",
        "### correctness (outside the timings)",
        "",
        "| check | size | result |",
        "|---|---|---|",
    ]
    for c in data["checks"]:
        verdict = "passed" if c["passed"] else "**FAILED**"
        lines.append(f"| {c['check']} | {c['size']} | {verdict}: {c['detail']} |")
    for title, key in (("issue 3 targets", "targets"), ("issue 13 targets", "plugin_targets")):
        if not data.get(key):
            continue
        lines += ["", f"### {title}", "", "| target | pipekit | verdict |", "|---|---|---|"]
        for t in data[key]:
            verdict = {True: "met", False: "**not met**", None: "not measured"}[t["met"]]
            lines.append(f"| {t['target']} | {t['measured']} | {verdict} |")
    return "\n".join(lines)


if __name__ == "__main__":  # re-render a results.json: python benchmarks/report.py FILE
    with open(sys.argv[1]) as fh:
        print(markdown(json.load(fh)))
