#!/usr/bin/env python3
"""The adaptation benchmark: how much `kpkclassify adapt` gains on a user's own source.

Usage:
    python bench/adapt.py EVAL.csv [EVAL.csv ...] [--seeds 0-9] [--k 30,60,100] [--html out.html]
                          [--model BASE.skops] [--retrain] [--explore 0.3]
    python bench/adapt.py --simulate [--seeds 0-4]   # choose the method's parameters on our corpus

Protocol (per source with >= 100 rows and >= 3 positives of some label): for each seed, 40% of the
source is held out; k = 30, 60 and 100 labelled rows (capped at what the rest holds) are drawn from
the rest, at random and via `suggest` (with an --explore share of random rows and selection weights);
the model is adapted on them and scored on the held-out part. Macro-F1 averages the labels with at
least 3 positives in the held-out part. Printed per source: the mean gain over the base model with a
95% interval (t over the seeds), for the naive method (each label's threshold re-chosen to maximise F1
on the labelled rows) and ours (`kpkclassify.adapt`), then the overall mean. --html writes the learning
curve as an SVG inside an HTML page.

The eval files are only read here, from the command line, and only reported on: the method's own
choices (shrinkage, bandwidth, calibration prior, retraining rows and weights) were made with
--simulate, on sources built from our corpus (each `register` of datasets/train.csv is a source; the
base model is trained on the other registers).
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
csv.field_size_limit(sys.maxsize)

MIN_ROWS, MIN_POS, HELD_OUT = 100, 3, 0.4


def read_sources(paths: list[str], column: str = "source") -> dict[str, tuple[list[str], list[str]]]:
    sources: dict[str, tuple[list[str], list[str]]] = {}
    for path in paths:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            for row in csv.DictReader(fh):
                key = f"{Path(path).stem}:{row.get(column) or '-'}"
                texts, labels = sources.setdefault(key, ([], []))
                texts.append(row["text"])
                labels.append(row["labels"])
    return sources


def eligible(Y: np.ndarray) -> bool:
    return len(Y) >= MIN_ROWS and bool((Y.sum(0) >= MIN_POS).any())


def t_interval(values: list[float]) -> tuple[float, float, float]:
    from scipy import stats

    a = np.asarray(values, dtype=float)
    mean = float(a.mean())
    if len(a) < 2:
        return mean, float("nan"), float("nan")
    half = float(stats.t.ppf(0.975, len(a) - 1) * a.std(ddof=1) / np.sqrt(len(a)))
    return mean, mean - half, mean + half


def held_out_f1(Y: np.ndarray, D: np.ndarray, labels: np.ndarray) -> float:
    tp = (Y & D).sum(0)
    f1 = 2 * tp / np.maximum(Y.sum(0) + D.sum(0), 1)
    return float(f1[labels].mean())


def draws(z: np.ndarray, Y: np.ndarray, seeds: list[int], ks: list[int], pick_suggest=None):
    """Yield (seed, k, how, labelled indices, weights, held-out indices, scored labels)."""
    n = len(Y)
    for seed in seeds:
        rng = np.random.default_rng(seed)
        order = rng.permutation(n)
        held, rest = order[: int(round(HELD_OUT * n))], order[int(round(HELD_OUT * n)):]
        labels = Y[held].sum(0) >= MIN_POS
        if not labels.any():
            continue
        for k in ks:
            kk = min(k, len(rest))
            yield seed, k, "random", rest[rng.permutation(len(rest))[:kk]], np.ones(kk), held, labels
            if pick_suggest is not None:
                picked, weights = pick_suggest(rest, kk, seed)
                yield seed, k, "suggest", picked, weights, held, labels


def evaluate_source(z, Y, base_cuts, seeds, ks, methods: dict, pick_suggest=None) -> list[dict]:
    """Rows of results: one per draw and method, with the gain over the base model."""
    Yb = Y.astype(bool)
    out = []
    for seed, k, how, lab, w, held, labels in draws(z, Y, seeds, ks, pick_suggest):
        base = held_out_f1(Yb[held], z[held] >= base_cuts, labels)
        for name, method in methods.items():
            decide = method(lab, w)
            if decide is None:
                continue
            f1 = held_out_f1(Yb[held], decide(held), labels)
            out.append({"seed": seed, "k": k, "how": how, "method": name, "base": base, "f1": f1, "gain": f1 - base})
    return out


def threshold_methods(z, Y, base_cuts, params: dict | None = None) -> dict:
    from kpkclassify.model.adaptation import adapt_scores, folds, naive_cuts

    params = params or {}

    def naive(lab, w):
        cuts = naive_cuts(z[lab], Y[lab], w, base_cuts)
        return lambda idx: z[idx] >= cuts

    def ours(lab, w):  # what kpkclassify.adapt does without retraining (5 folds, seed 0)
        adaptation, _ = adapt_scores(z[lab], Y[lab], w, base_cuts, folds(Y[lab], 5, 0), **params)
        return lambda idx: adaptation.decide(z[idx])

    return {"naive": naive, "ours": ours}


def retrain_method(model, texts: list[str], labels: list[str], corpus, ks_retrain: list[int], timings: list[float]):
    """kpkclassify.adapt itself (retrain="auto"): the held-out rows decided by the adapted model."""
    from kpkclassify.io.labelled import LabelledData
    from kpkclassify.labels import parse_labels
    from kpkclassify.workflows.adapt import adapt

    def method(lab, w):
        if len(lab) not in ks_retrain:
            return None
        data = LabelledData(texts=[texts[i] for i in lab], labels=[parse_labels(labels[i], model.labels_) for i in lab],
                            origins=[f"row:{i}" for i in lab], label_names=tuple(model.labels_))
        started = time.perf_counter()
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            adapted = adapt(model, data, weights=w, corpus=corpus, retrain="auto")
        timings.append(time.perf_counter() - started)
        method.chosen.append(adapted.card_["adaptation"]["method"])
        return lambda idx: adapted.predict([texts[i] for i in idx]).astype(bool)

    method.chosen = []
    return method


def summarise(results: dict[str, list[dict]], ks: list[int], methods: list[str], hows: list[str]) -> dict:
    """Print the tables; return the curve's points {(how, method): [(k, mean, low, high)]}."""
    curve: dict = {}
    for how in hows:
        print(f"\n### labelled rows drawn {'at random' if how == 'random' else 'via suggest'}: mean macro-F1 gain over "
              "the base model [95% interval over seeds]\n")
        print("| source | rows | base F1 | " + " | ".join(f"{m} k={k}" for k in ks for m in methods) + " |")
        print("|---|---|---|" + "---|" * (len(ks) * len(methods)))
        overall: dict = {(m, k): [] for m in methods for k in ks}
        for source, rows in results.items():
            if not rows:
                continue
            cells = []
            base = np.mean([r["base"] for r in rows if r["how"] == how and r["method"] == methods[0] and r["k"] == ks[0]])
            for k in ks:
                for m in methods:
                    gains = [r["gain"] for r in rows if r["how"] == how and r["method"] == m and r["k"] == k]
                    if not gains:
                        cells.append("-")
                        continue
                    mean, lo, hi = t_interval(gains)
                    overall[(m, k)].append(mean)
                    cells.append(f"{mean:+.3f} [{lo:+.2f}, {hi:+.2f}]")
            n = rows[0].get("rows", "")
            print(f"| {source} | {n} | {base:.3f} | " + " | ".join(cells) + " |")
        cells = []
        for k in ks:
            for m in methods:
                mean, lo, hi = t_interval(overall[(m, k)]) if overall[(m, k)] else (float("nan"),) * 3
                curve.setdefault((how, m), []).append((k, mean, lo, hi))
                worst = min(overall[(m, k)]) if overall[(m, k)] else float("nan")
                cells.append(f"**{mean:+.3f}** [{lo:+.2f}, {hi:+.2f}] min {worst:+.3f}")
        print("| **mean over sources** | | | " + " | ".join(cells) + " |")
    return curve


def svg_curve(curve: dict, ks: list[int]) -> str:
    """A learning curve drawn by hand: mean gain against k, one line per (draw, method)."""
    width, height, pad = 640, 360, 50
    values = [v for points in curve.values() for _, m, lo, hi in points for v in (m, lo, hi) if np.isfinite(v)]
    low, high = min(values + [0.0]), max(values + [0.0])
    span = (high - low) or 1.0

    def x(k: float) -> float:
        return pad + (k - min(ks)) / max(1, max(ks) - min(ks)) * (width - 2 * pad)

    def y(v: float) -> float:
        return height - pad - (v - low) / span * (height - 2 * pad)

    colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
             f'<line x1="{pad}" y1="{y(0):.1f}" x2="{width - pad}" y2="{y(0):.1f}" stroke="#999" stroke-dasharray="4"/>',
             f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#000"/>',
             f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{height - pad}" stroke="#000"/>']
    for k in ks:
        parts.append(f'<text x="{x(k):.1f}" y="{height - pad + 18}" text-anchor="middle">{k}</text>')
    for v in np.linspace(low, high, 5):
        parts.append(f'<text x="{pad - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v:+.2f}</text>')
    parts.append(f'<text x="{width / 2}" y="{height - 8}" text-anchor="middle">labelled rows k</text>')
    for i, ((how, method), points) in enumerate(sorted(curve.items())):
        colour = colours[i % len(colours)]
        path = " ".join(f"{x(k):.1f},{y(m):.1f}" for k, m, _, _ in points)
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"/>')
        for k, m, lo, hi in points:
            if np.isfinite(lo):
                parts.append(f'<line x1="{x(k):.1f}" y1="{y(lo):.1f}" x2="{x(k):.1f}" y2="{y(hi):.1f}" stroke="{colour}"/>')
            parts.append(f'<circle cx="{x(k):.1f}" cy="{y(m):.1f}" r="3" fill="{colour}"/>')
        parts.append(f'<text x="{width - pad + 4 - 150}" y="{pad + 14 * i}" fill="{colour}">{method}, {how}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def write_html(path: str, curve: dict, ks: list[int], title: str) -> None:
    import html

    rows = "".join(f"<tr><td>{html.escape(m)}</td><td>{html.escape(h)}</td>"
                   + "".join(f"<td>{mean:+.3f} [{lo:+.2f}, {hi:+.2f}]</td>" for _, mean, lo, hi in pts) + "</tr>"
                   for (h, m), pts in sorted(curve.items()))
    page = (f"<!doctype html><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<h1>{html.escape(title)}</h1><p>Mean macro-F1 gain over the base model, over sources, "
            "with 95% intervals over sources.</p>" + svg_curve(curve, ks)
            + "<table border=1 cellpadding=4><tr><th>method</th><th>draw</th>"
            + "".join(f"<th>k={k}</th>" for k in ks) + f"</tr>{rows}</table>")
    Path(path).write_text(page, encoding="utf-8")
    print(f"\nwrote {path}")


def suggest_picker(model, texts: list[str], explore: float):
    """Draw k rows of ``rest`` via kpkclassify.suggest with an explore share: (indices, weights)."""
    from kpkclassify.workflows.suggest import suggest

    def pick(rest: np.ndarray, k: int, seed: int):
        picks = suggest(model, [texts[i] for i in rest], k, explore=explore, seed=seed)
        return rest[[p.index for p in picks]], np.asarray([p.weight for p in picks])

    return pick


def parse_seeds(value: str) -> list[int]:
    if "-" in value:
        a, b = value.split("-")
        return list(range(int(a), int(b) + 1))
    return [int(s) for s in value.split(",")]


def simulate(args) -> None:
    """Choose the method's parameters on sources built from our corpus (registers)."""
    import itertools

    from kpkclassify.io.labelled import bundled_corpus_path
    from kpkclassify.labels import to_indicator
    from kpkclassify.model import Classifier
    from kpkclassify.model.thresholds import logit

    cache = Path(args.cache)
    with open(bundled_corpus_path(), newline="", encoding="utf-8") as fh:
        corpus = list(csv.DictReader(fh))
    registers = sorted({r["register"] for r in corpus})
    grid = list(itertools.product(args.shrinkage, args.bandwidth, args.guard))
    extra = {f"calibrated, prior {p:g}": {"cut": "calibrated", "prior": p} for p in args.prior}
    results: dict[tuple, list[float]] = {}
    naive: dict[int, list[float]] = {}
    for register in registers:
        inside = [r for r in corpus if r["register"] == register]
        outside = [r for r in corpus if r["register"] != register]
        rng = np.random.default_rng(0)
        inside = [inside[i] for i in rng.permutation(len(inside))[:300]]  # a user's source: a few hundred rows
        path = cache / f"sim-{register}.npz"
        if path.exists():
            saved = np.load(path)
            z, base_cuts = saved["z"], saved["cuts"]
        else:
            started = time.perf_counter()
            model = Classifier(augment=0, cv=3).fit([r["text"] for r in outside], [r["labels"] for r in outside])
            z = logit(model.predict_proba([r["text"] for r in inside]))
            base_cuts = logit(model.thresholds_)
            cache.mkdir(parents=True, exist_ok=True)
            np.savez(path, z=z, cuts=base_cuts)
            print(f"{register}: base trained in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        Y = to_indicator([r["labels"] for r in inside]).astype(np.int8)
        if not eligible(Y):
            continue
        for shrinkage, bandwidth, guard in grid:
            methods = threshold_methods(z, Y, base_cuts, {"shrinkage": shrinkage, "bandwidth": bandwidth, "guard": guard})
            rows = evaluate_source(z, Y, base_cuts, args.seeds, args.k, {"ours": methods["ours"]})
            for k in args.k:
                results.setdefault((shrinkage, bandwidth, guard, k), []).append(np.mean([r["gain"] for r in rows if r["k"] == k]))
        for name, params in extra.items():
            rows = evaluate_source(z, Y, base_cuts, args.seeds, args.k, {"ours": threshold_methods(z, Y, base_cuts, params)["ours"]})
            for k in args.k:
                results.setdefault((name, k), []).append(np.mean([r["gain"] for r in rows if r["k"] == k]))
        rows = evaluate_source(z, Y, base_cuts, args.seeds, args.k, {"naive": threshold_methods(z, Y, base_cuts)["naive"]})
        for k in args.k:
            naive.setdefault(k, []).append(np.mean([r["gain"] for r in rows if r["k"] == k]))
    print(f"\n{len(naive[args.k[0]])} simulated sources; mean gain over them (the worst source's)\n")
    print("| shrinkage | bandwidth | guard | " + " | ".join(f"k={k} mean (min)" for k in args.k) + " |")
    print("|---|---|---|" + "---|" * len(args.k))
    print("| naive | | | " + " | ".join(f"{np.mean(naive[k]):+.4f} ({min(naive[k]):+.3f})" for k in args.k) + " |")
    for shrinkage, bandwidth, guard in grid:
        print(f"| {shrinkage} | {bandwidth} | {guard} | " + " | ".join(
            f"{np.mean(results[(shrinkage, bandwidth, guard, k)]):+.4f} ({min(results[(shrinkage, bandwidth, guard, k)]):+.3f})"
            for k in args.k) + " |")
    for name in extra:
        print(f"| {name} | | | " + " | ".join(f"{np.mean(results[(name, k)]):+.4f} ({min(results[(name, k)]):+.3f})"
                                             for k in args.k) + " |")


def simulate_retrain(args) -> None:
    """Whether retraining pays on simulated sources: kpkclassify.adapt with retrain="auto" against
    the thresholds alone, on --registers of our corpus (the base and the corpus: the other registers)."""
    from kpkclassify.io.labelled import LabelledData, bundled_corpus_path, read_labelled
    from kpkclassify.model import Classifier
    from kpkclassify.model.thresholds import logit

    everything = read_labelled(bundled_corpus_path())
    with open(bundled_corpus_path(), newline="", encoding="utf-8") as fh:
        registers = [r["register"] for r in csv.DictReader(fh)]
    assert len(registers) == len(everything)
    from kpkclassify.labels import format_labels

    for register in args.registers:
        inside = [i for i, r in enumerate(registers) if r == register]
        outside = [i for i, r in enumerate(registers) if r != register]
        inside = [inside[i] for i in np.random.default_rng(0).permutation(len(inside))[:300]]
        corpus = LabelledData(texts=[everything.texts[i] for i in outside], labels=[everything.labels[i] for i in outside],
                              origins=[everything.origins[i] for i in outside])
        model = Classifier(augment=0, cv=3).fit(corpus.texts, [format_labels(x) for x in corpus.labels])
        texts = [everything.texts[i] for i in inside]
        labels = [format_labels(everything.labels[i]) for i in inside]
        from kpkclassify.labels import to_indicator

        Y = to_indicator(labels).astype(np.int8)
        z = logit(model.predict_proba(texts))
        base_cuts = logit(model.thresholds_)
        timings: list[float] = []
        methods = threshold_methods(z, Y, base_cuts)
        methods["adapt"] = retrain_method(model, texts, labels, corpus, args.k, timings)
        rows = evaluate_source(z, Y, base_cuts, args.seeds, args.k, methods)
        for k in args.k:
            cells = {m: np.mean([r["gain"] for r in rows if r["k"] == k and r["method"] == m] or [np.nan]) for m in methods}
            print(f"{register} k={k}: " + ", ".join(f"{m} {g:+.3f}" for m, g in cells.items())
                  + f"; adapt chose {methods['adapt'].chosen}; {np.median(timings):.0f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("eval", nargs="*", help="Eval CSVs with text, labels and source columns.")
    parser.add_argument("--model", help="The base model (the bundled one by default).")
    parser.add_argument("--seeds", type=parse_seeds, default=list(range(10)), help="Seeds, e.g. 0-9 or 0,1,2.")
    parser.add_argument("--k", type=lambda s: [int(v) for v in s.split(",")], default=[30, 60, 100])
    parser.add_argument("--explore", type=float, default=0.3, help="suggest's explore share for the suggest draws.")
    parser.add_argument("--no-suggest", action="store_true", help="Only random draws.")
    parser.add_argument("--html", help="Write the learning curve to this HTML page.")
    parser.add_argument("--retrain", type=lambda s: [int(v) for v in s.split(",")], default=[],
                        help="Also run kpkclassify.adapt with retrain='auto' at these k (slow: minutes per draw), e.g. 100.")
    parser.add_argument("--simulate", action="store_true", help="Choose parameters on our corpus' registers.")
    parser.add_argument("--cache", default="/tmp/kpk-adapt-sim", help="Where --simulate keeps its base models' scores.")
    floats = lambda s: [float(v) for v in s.split(",")]  # noqa: E731
    parser.add_argument("--shrinkage", type=floats, default=[0.0, 2.0, 4.0, 8.0, 16.0], help="--simulate: grid.")
    parser.add_argument("--bandwidth", type=floats, default=[0.0, 0.25, 0.5, 1.0, 2.0], help="--simulate: grid.")
    parser.add_argument("--registers", type=lambda s: s.split(","), default=[],
                        help="--simulate: instead, whether retraining pays on these registers (slow).")
    parser.add_argument("--prior", type=floats, default=[], help="--simulate: also the calibrated cut with these priors.")
    parser.add_argument("--guard", type=lambda s: [v == "1" for v in s.split(",")], default=[True, False],
                        help="--simulate: with and without the guard (1,0).")
    args = parser.parse_args()
    if args.simulate and args.registers:
        simulate_retrain(args)
        return
    if args.simulate:
        simulate(args)
        return
    if not args.eval:
        parser.error("give eval files (or --simulate)")
    import kpkclassify
    from kpkclassify.labels import to_indicator
    from kpkclassify.model.thresholds import logit

    model = kpkclassify.load(args.model)
    base_cuts = logit(model.thresholds_)
    started = time.perf_counter()
    results: dict[str, list[dict]] = {}
    corpus, timings = None, []
    if args.retrain:
        from kpkclassify.io.labelled import bundled_corpus_path, read_labelled

        corpus = read_labelled(bundled_corpus_path(), labels=model.labels_)
    for source, (texts, labels) in read_sources(args.eval).items():
        Y = to_indicator(labels, model.labels_).astype(np.int8)
        if not eligible(Y):
            continue
        z = logit(model.predict_proba(texts))
        picker = None if args.no_suggest else suggest_picker(model, texts, args.explore)
        methods = threshold_methods(z, Y, base_cuts)
        if args.retrain:
            methods["adapt"] = retrain_method(model, texts, labels, corpus, [min(k, len(texts) - int(round(HELD_OUT * len(texts))))
                                                                          for k in args.retrain], timings)
        rows = evaluate_source(z, Y, base_cuts, args.seeds, args.k, methods, picker)
        if args.retrain:
            print(f"{source}: adapt chose {methods['adapt'].chosen}", file=sys.stderr, flush=True)
        for r in rows:
            r["rows"] = len(texts)
        results[source] = rows
    hows = ["random"] + ([] if args.no_suggest else ["suggest"])
    print(f"{len(results)} sources, seeds {args.seeds[0]}-{args.seeds[-1]}, k = {args.k}; "
          f"{time.perf_counter() - started:.0f} s")
    if timings:
        print(f"kpkclassify.adapt with retrain='auto': {len(timings)} runs, median {np.median(timings):.0f} s, max {max(timings):.0f} s")
    curve = summarise(results, args.k, ["naive", "ours"] + (["adapt"] if args.retrain else []), hows)
    if args.html:
        write_html(args.html, curve, args.k, "kpkclassify adapt: learning curve")


if __name__ == "__main__":
    main()
