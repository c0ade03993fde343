#!/usr/bin/env python3
"""Model choices by cross-validation on our own corpus, grouped by register (leave one register out).

Usage: python bench/model_choice.py [--data datasets/train.csv] [--group register] [--subset 1.0]
                                    [--inner 3] [--outer 0] [--only REG ...] [--candidates A,B,...]

Each fold holds out every row of one register (tweets, app reviews, news, agency posts...) and
trains on the others, which imitates a change of source: the held-out register's wording was
never seen. Inside the training registers, out-of-fold scores (``--inner`` folds) choose the
Platt calibration and thresholds, and train the second stages. Candidates, all scored on the
same held-out rows in the same run:

  A  current: n-gram logistic regressions, thresholds from random stratified folds (today's model)
  B  the same model, thresholds and calibration from folds grouped by register
  C  n-grams + composition block (kpkclassify.features.composition), grouped thresholds
  D  stacked logistic regression over the three n-gram scores (out-of-fold, grouped) + composition
  E  the same second stage with HistGradientBoosting
  F  C's first stage (with composition) + D's second stage
  G  C with the composition block scaled by --comp-scale (its columns regularised harder)
  N  NB-SVM: A's model over columns scaled by each label's log-count ratio, thresholds as A
  C=<v>  A with the logistic regressions' C set to v (today 8)

Prints per-label F1 per held-out register, then pooled over all held-out rows (every row is
held out once) and the mean over registers. No augmentation (screening); nothing here reads
the real-text evaluation files.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parent.parent


def _api(features):
    """The feature path's method names (to_terms/fit_terms/transform_terms, or their successors)."""
    for names in (("to_terms", "fit_terms", "transform_terms"), ("encode", "fit_encoded", "transform_encoded")):
        if all(hasattr(features, n) for n in names):
            return [getattr(features, n) for n in names]
    raise SystemExit("TextFeatures has neither to_terms/fit_terms/transform_terms nor encode/fit_encoded/...")


def _subset(encoded, idx):
    if isinstance(encoded, list):
        return [encoded[i] for i in idx]
    return encoded.take(idx) if hasattr(encoded, "take") else encoded[idx]


def first_stage(encoded, idx_fit, idx_score, Y, comp, with_comp, C=8.0, scale=1.0, nb=False):  # noqa: N803
    """Fit TF-IDF features + one logistic regression per label on ``idx_fit``; probabilities of ``idx_score``."""
    from sklearn.linear_model import LogisticRegression

    from kpkclassify.features.text_features import TextFeatures

    features = TextFeatures()
    _, fit, transform = _api(features)
    fit(_subset(encoded, idx_fit))
    X_fit = transform(_subset(encoded, idx_fit))
    X_score = transform(_subset(encoded, idx_score))
    if with_comp:
        X_fit = sp.hstack([X_fit, comp[idx_fit] * scale], format="csr")
        X_score = sp.hstack([X_score, comp[idx_score] * scale], format="csr")
    out = np.zeros((len(idx_score), Y.shape[1]))
    for j in range(Y.shape[1]):
        model = LogisticRegression(C=C, class_weight="balanced", solver="liblinear", max_iter=1000, random_state=0)
        fit_matrix, score_matrix = X_fit, X_score
        if nb:  # NB-SVM: each column scaled by its log-count ratio for this label
            y = Y[idx_fit, j].astype(bool)
            pos = np.asarray(X_fit[y].sum(0)).ravel() + 1.0
            neg = np.asarray(X_fit[~y].sum(0)).ravel() + 1.0
            ratio = sp.diags(np.log((pos / pos.sum()) / (neg / neg.sum())))
            fit_matrix, score_matrix = X_fit @ ratio, X_score @ ratio
        model.fit(fit_matrix, Y[idx_fit, j])
        out[:, j] = model.predict_proba(score_matrix)[:, 1]
    return out


def oof(encoded, idx, Y, comp, with_comp, splits, scale=1.0, nb=False, C=8.0):  # noqa: N803
    """Out-of-fold first-stage probabilities over ``idx`` for the given (train, test) positions."""
    out = np.zeros((len(idx), Y.shape[1]))
    for a, b in splits:
        out[b] = first_stage(encoded, idx[a], idx[b], Y, comp, with_comp, scale=scale, nb=nb, C=C)
    return out


def calibrate_and_threshold(scores, Y):
    from kpkclassify.model.thresholds import apply_platt, best_threshold, fit_platt

    cal = np.asarray([fit_platt(scores[:, j], Y[:, j]) for j in range(Y.shape[1])])
    s = apply_platt(scores, cal)
    thr = np.asarray([best_threshold(Y[:, j], s[:, j]) for j in range(Y.shape[1])])
    return cal, thr


def decide_with(scores_fit, Y_fit, scores_test):
    from kpkclassify.model.thresholds import apply_platt

    cal, thr = calibrate_and_threshold(scores_fit, Y_fit)
    return apply_platt(scores_test, cal) >= thr


def stack_design(scores, comp_rows):
    from kpkclassify.model.thresholds import logit

    return np.hstack([logit(scores), comp_rows.toarray()])


def second_stage(kind, Z_fit, Y_fit, groups_fit, Z_test, inner):
    """Fit a second stage per label on Z_fit; thresholds from its own grouped out-of-fold scores."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    from kpkclassify.model.thresholds import best_threshold

    def new():
        if kind == "lr":
            return LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000)
        return HistGradientBoostingClassifier(max_iter=150, learning_rate=0.08, max_leaf_nodes=15,
                                              l2_regularization=1.0, class_weight="balanced", random_state=0)

    pred = np.zeros((len(Z_test), Y_fit.shape[1]), dtype=bool)
    splits = list(GroupKFold(n_splits=inner).split(Z_fit, groups=groups_fit))
    for j in range(Y_fit.shape[1]):
        inner_scores = np.zeros(len(Z_fit))
        for a, b in splits:
            inner_scores[b] = new().fit(Z_fit[a], Y_fit[a, j]).predict_proba(Z_fit[b])[:, 1]
        thr = best_threshold(Y_fit[:, j], inner_scores)
        pred[:, j] = new().fit(Z_fit, Y_fit[:, j]).predict_proba(Z_test)[:, 1] >= thr
    return pred


def f1s(Y, P):
    tp = (Y & P).sum(0)
    denom = Y.sum(0) + P.sum(0)
    return np.where(denom > 0, 2 * tp / np.maximum(denom, 1), np.nan)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT / "datasets" / "train.csv"))
    ap.add_argument("--group", default="register")
    ap.add_argument("--subset", type=float, default=1.0, help="share of rows to use (seeded)")
    ap.add_argument("--inner", type=int, default=3)
    ap.add_argument("--outer", type=int, default=0,
                    help="hold out the registers in this many groups (default 0: one register at a time)")
    ap.add_argument("--only", nargs="*", help="held-out groups to run (default: all)")
    ap.add_argument("--candidates", default="A,B,C,D,E,F,G")
    ap.add_argument("--comp-scale", type=float, default=0.3, help="value of a composition feature in G")
    ap.add_argument("--by-kind", action="store_true", help="also print the kinds of text with most errors")
    args = ap.parse_args()

    import pandas as pd
    from sklearn.model_selection import GroupKFold, StratifiedKFold

    from kpkclassify.features.composition import composition_matrix
    from kpkclassify.features.text_features import TextFeatures
    from kpkclassify.labels import LABELS, to_indicator

    frame = pd.read_csv(args.data, dtype=str, keep_default_na=False)
    if args.subset < 1:
        frame = frame.sample(frac=args.subset, random_state=0).reset_index(drop=True)
    texts = frame["text"].tolist()
    Y = to_indicator(frame["labels"].tolist(), LABELS).astype(bool)
    groups = frame[args.group].to_numpy()
    wanted = set(args.candidates.split(","))
    t0 = time.time()
    encode = _api(TextFeatures())[0]
    encoded = encode(texts)
    comp = composition_matrix(texts).tocsr()
    print(f"{len(texts)} rows, {len(set(groups))} {args.group}s; encoded in {time.time() - t0:.0f} s", flush=True)

    names = sorted(wanted)
    preds = {c: np.zeros_like(Y) for c in names}
    done = np.zeros(len(Y), dtype=bool)
    unique = sorted(set(groups))
    if args.only:
        unique = [g for g in unique if g in args.only]
    if args.outer:  # several registers held out together: fewer fits, still grouped by register
        outer = [np.flatnonzero(np.isin(groups, [unique[i] for i in held]))
                 for held in np.array_split(np.arange(len(unique)), args.outer)]
    else:
        outer = [np.flatnonzero(groups == g) for g in unique]
    for te in outer:
        t = time.time()
        tr = np.setdiff1d(np.arange(len(Y)), te)
        Ytr = Y[tr]
        strata = (Ytr @ (1 << np.arange(Y.shape[1]))).astype(int)
        rand = list(StratifiedKFold(args.inner, shuffle=True, random_state=0).split(tr, strata))
        grouped = list(GroupKFold(n_splits=args.inner).split(tr, groups=groups[tr]))
        base_te = first_stage(encoded, tr, te, Y, comp, False)
        need_comp = wanted & {"C", "F"}
        comp_te = first_stage(encoded, tr, te, Y, comp, True) if need_comp else None
        if "A" in wanted:
            preds["A"][te] = decide_with(oof(encoded, tr, Y, comp, False, rand), Ytr, base_te)
        oof_g = oof(encoded, tr, Y, comp, False, grouped) if wanted & {"B", "D", "E"} else None
        oof_gc = oof(encoded, tr, Y, comp, True, grouped) if need_comp else None
        if "B" in wanted:
            preds["B"][te] = decide_with(oof_g, Ytr, base_te)
        for c in sorted(x for x in wanted if x.startswith("C=")):  # A with another regularisation
            value = float(c[2:])
            preds[c][te] = decide_with(oof(encoded, tr, Y, comp, False, rand, C=value), Ytr,
                                       first_stage(encoded, tr, te, Y, comp, False, C=value))
        if "N" in wanted:
            nb_te = first_stage(encoded, tr, te, Y, comp, False, nb=True)
            preds["N"][te] = decide_with(oof(encoded, tr, Y, comp, False, rand, nb=True), Ytr, nb_te)
        if "G" in wanted:
            scaled_te = first_stage(encoded, tr, te, Y, comp, True, scale=args.comp_scale)
            preds["G"][te] = decide_with(oof(encoded, tr, Y, comp, True, grouped, scale=args.comp_scale), Ytr,
                                         scaled_te)
        if "C" in wanted:
            preds["C"][te] = decide_with(oof_gc, Ytr, comp_te)
        for c, kind, fit_scores, test_scores in (("D", "lr", oof_g, base_te), ("E", "hgb", oof_g, base_te),
                                                 ("F", "lr", oof_gc, comp_te)):
            if c in wanted:
                preds[c][te] = second_stage(kind, stack_design(fit_scores, comp[tr]), Ytr, groups[tr],
                                            stack_design(test_scores, comp[te]), args.inner)
        done[te] = True
        print(f"held out {', '.join(sorted(set(groups[te])))}: {len(te)} rows, {time.time() - t:.0f} s", flush=True)

    print("\n## Per held-out register: F1 per label (macro)\n")
    print("| register | rows | positives | " + " | ".join(names) + " |")
    print("|---|---|---|" + "---|" * len(names))
    per_group = []
    for g in unique:
        rows = groups == g
        cells = {c: f1s(Y[rows], preds[c][rows]) for c in names}
        per_group.append(cells)
        print(f"| {g} | {int(rows.sum())} | {' '.join(str(int(v)) for v in Y[rows].sum(0))} | "
              + " | ".join(" ".join(f"{v:.2f}" for v in cells[c]) + f" ({np.nanmean(cells[c]):.3f})"
                           for c in names) + " |")

    print("\n## Pooled over held-out rows (each row held out once, with its register)\n")
    print("| candidate | " + " | ".join(LABELS) + " | macro | mean macro over registers |")
    print("|---|" + "---|" * (len(LABELS) + 2))
    for c in names:
        pooled = f1s(Y[done], preds[c][done])
        mean = np.mean([np.nanmean(r[c]) for r in per_group])
        print(f"| {c} | " + " | ".join(f"{v:.3f}" for v in pooled) + f" | {np.nanmean(pooled):.3f} | {mean:.3f} |")
    if args.by_kind and "kind" in frame:
        by_kind(frame, Y, preds, names, done, LABELS)
    print(f"\ntotal {time.time() - t0:.0f} s")


def by_kind(frame, Y, preds, names, done, labels, top=15) -> None:
    """Errors by kind of text (the datasheet's ``kind``): the kinds with most misses and false alarms."""
    kinds = frame["kind"].where(frame["kind"] != "", frame["hard_kind"]).where(lambda k: k != "", "(none)").to_numpy()
    for c in names:
        wrong = (preds[c] != Y) & done[:, None]
        rows = []
        for kind in sorted(set(kinds)):
            at = (kinds == kind) & done
            if at.sum() < 10:
                continue
            miss = (wrong & Y)[at].sum(0)
            false = (wrong & ~Y)[at].sum(0)
            rows.append((int(miss.sum() + false.sum()) / at.sum(), kind, int(at.sum()), miss, false))
        rows.sort(key=lambda r: -r[0])
        print(f"\n## Candidate {c}: kinds with the highest error rate (rows with >= 10 held out)\n")
        print("| kind | rows | error rate | misses (" + "/".join(labels) + ") | false alarms (" + "/".join(labels) + ") |")
        print("|---|---|---|---|---|")
        for rate, kind, count, miss, false in rows[:top]:
            print(f"| {kind} | {count} | {rate:.2f} | {'/'.join(str(int(v)) for v in miss)} | "
                  f"{'/'.join(str(int(v)) for v in false)} |")


if __name__ == "__main__":
    sys.exit(main())
