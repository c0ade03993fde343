#!/usr/bin/env python3
"""Side-by-side quality of kpkclassify and the alternatives a user would otherwise pick.

Usage: python bench/evaluate.py EVAL.csv [EVAL2.csv ...] [--out bench/out/evaluate] [--no-fasttext]

Every system is trained on the same split, datasets/train.csv, and scored on each given
labelled CSV (``text,labels``) and on datasets/test.csv:
  1. keyword rules: a transparent word list per label, as many offices filter today;
  2. plain scikit-learn: TfidfVectorizer() + LogisticRegression on raw lower-case text;
  3. fastText supervised (fasttext-numpy2, optional), one-vs-all loss, small bucket, its
     learning rate / epochs / word n-grams chosen by 3-fold cross-validation on the train split;
  4. the bundled kpkclassify model (models/default.skops).
Prints a Markdown table per data set and writes Markdown and JSON under --out.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
csv.field_size_limit(sys.maxsize)

from kpkclassify import LABELS, load  # noqa: E402
from kpkclassify.labels import to_indicator  # noqa: E402
from kpkclassify.metrics import label_metrics, recall_at_precision  # noqa: E402

KEYWORDS = {
    "illegal_fee": ["pungli", "pungutan liar", "suap", "sogok", "pelicin", "uang rokok", "uang damai", "calo",
                    "pemerasan", "memeras", "diperas", "palak", "gratifikasi", "salam tempel", "amplop", "setoran",
                    "minta uang", "dimintai uang", "uang tambahan", "biaya tambahan", "nembak", "jalur belakang"],
    "slow_service": ["lama", "lambat", "lelet", "lemot", "belum jadi", "belum selesai", "antre", "antri", "menunggu",
                     "tidak ditanggapi", "tidak direspon", "tidak ada respon", "berbelit", "dipingpong", "molor",
                     "tertunda", "ditunda", "berbulan", "berminggu", "tak kunjung", "tidak kunjung", "belum ada kabar"],
    "campaign": ["antikorupsi", "anti korupsi", "stop pungli", "tolak pungli", "saber pungli", "integritas",
                 "zona integritas", "wbk", "wbbm", "hakordia", "sosialisasi", "lawan korupsi", "berantas korupsi",
                 "tanpa pungutan", "tidak dipungut biaya", "bebas pungli", "budaya malu", "laporkan"],
}


def read(path: Path) -> tuple[list[str], np.ndarray]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    return [r["text"] for r in rows], to_indicator([r["labels"] for r in rows])


class Keywords:
    name = "keyword rules"

    def fit(self, texts, Y):
        return self

    def scores(self, texts):
        lowered = [t.lower() for t in texts]
        return np.array([[float(any(k in t for k in KEYWORDS[label])) for label in LABELS] for t in lowered])

    thresholds = np.full(3, 0.5)


class PlainSklearn:
    name = "TF-IDF + LogisticRegression (plain)"

    def fit(self, texts, Y):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self.vectorizer = TfidfVectorizer().fit(texts)
        X = self.vectorizer.transform(texts)
        self.models = [LogisticRegression(max_iter=1000).fit(X, Y[:, j]) for j in range(3)]
        return self

    def scores(self, texts):
        X = self.vectorizer.transform(texts)
        return np.column_stack([m.predict_proba(X)[:, 1] for m in self.models])

    thresholds = np.full(3, 0.5)


class FastText:
    name = "fastText supervised (ova, tuned)"
    grid = [dict(lr=lr, epoch=epoch, wordNgrams=ngrams) for lr in (0.1, 0.3) for epoch in (10, 25) for ngrams in (1, 2)]

    def __init__(self):
        import fasttext  # noqa: F401  (optional: pip install fasttext-numpy2)

    @staticmethod
    def _clean(text):
        return " ".join(text.lower().replace("\n", " ").split())

    def _train(self, texts, Y, params):
        import fasttext

        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as fh:
            for text, row in zip(texts, Y):
                labels = " ".join(f"__label__{LABELS[j]}" for j in np.flatnonzero(row)) or "__label__other"
                fh.write(f"{labels} {self._clean(text)}\n")
        try:
            return fasttext.train_supervised(fh.name, loss="ova", bucket=200_000, dim=50, minCount=1, verbose=0,
                                             thread=2, seed=0, **params)
        finally:
            Path(fh.name).unlink()

    def _scores(self, model, texts):
        out = np.zeros((len(texts), 3))
        for i, text in enumerate(texts):
            labels, probs = model.predict(self._clean(text), k=-1, threshold=0.0)
            for label, p in zip(labels, probs):
                name = label.replace("__label__", "")
                if name in LABELS:
                    out[i, LABELS.index(name)] = p
        return out

    def fit(self, texts, Y):
        from sklearn.model_selection import KFold

        texts = np.asarray(texts, dtype=object)
        best, best_f1 = self.grid[0], -1.0
        for params in self.grid:
            f1s = []
            for train, test in KFold(3, shuffle=True, random_state=0).split(texts):
                try:
                    model = self._train(list(texts[train]), Y[train], params)
                except RuntimeError:  # "Encountered NaN": this learning rate diverges
                    f1s = [-1.0]
                    break
                pred = (self._scores(model, list(texts[test])) >= 0.5).astype(int)
                f1s.append(label_metrics(Y[test], pred)["macro"]["f1"])
            if np.mean(f1s) > best_f1:
                best, best_f1 = params, float(np.mean(f1s))
        self.params = best
        self.name = f"fastText supervised (ova, {best})"
        self.model = self._train(list(texts), Y, best)
        return self

    def scores(self, texts):
        return self._scores(self.model, texts)

    thresholds = np.full(3, 0.5)


class Bundled:
    name = "kpkclassify (bundled model)"

    def __init__(self, path=None):
        self.model = load(path)
        self.thresholds = self.model.thresholds_

    def fit(self, texts, Y):
        return self  # trained on the same split by `kpkclassify train datasets/train.csv`

    def scores(self, texts):
        return self.model.predict_proba(texts)


def score(system, texts, Y) -> dict:
    started = time.perf_counter()
    proba = system.scores(texts)
    seconds = time.perf_counter() - started
    pred = (proba >= system.thresholds).astype(np.int8)
    metrics = label_metrics(Y, pred)
    return {
        "system": system.name,
        "metrics": metrics,
        "exact_match": float((pred == Y).all(axis=1).mean()),
        "illegal_fee_recall_at_90_precision": recall_at_precision(Y[:, 0], proba[:, 0], 0.9),
        "texts_per_second": len(texts) / seconds if seconds else 0.0,
    }


def table(results: list[dict], title: str) -> str:
    lines = [f"### {title}", "",
             "| system | illegal_fee P/R/F1 | slow_service P/R/F1 | campaign P/R/F1 | macro-F1 | exact match | illegal_fee R@90%P |",
             "|---|---|---|---|---|---|---|"]
    for r in results:
        m = r["metrics"]
        cells = [f"{m[l]['precision']:.2f} / {m[l]['recall']:.2f} / {m[l]['f1']:.2f}" for l in LABELS]
        lines.append(f"| {r['system']} | {' | '.join(cells)} | {m['macro']['f1']:.3f} | {r['exact_match']:.3f} | "
                     f"{r['illegal_fee_recall_at_90_precision']:.2f} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("eval", nargs="*", type=Path)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "evaluate")
    ap.add_argument("--model", default=None, help="model to score as 'kpkclassify' (default: bundled)")
    ap.add_argument("--no-fasttext", action="store_true")
    args = ap.parse_args()

    train_texts, train_Y = read(ROOT / "datasets" / "train.csv")
    systems = [Keywords(), PlainSklearn()]
    if not args.no_fasttext:
        try:
            systems.append(FastText())
        except ImportError:
            print("fastText not installed (pip install fasttext-numpy2): skipped", file=sys.stderr)
    systems.append(Bundled(args.model))
    for system in systems:
        system.fit(train_texts, train_Y)

    sets = [(p.name, p) for p in args.eval] + [("datasets/test.csv", ROOT / "datasets" / "test.csv")]
    report, markdown = {}, []
    for title, path in sets:
        texts, Y = read(path)
        results = [score(s, texts, Y) for s in systems]
        counts = {l: int(Y[:, j].sum()) for j, l in enumerate(LABELS)}
        report[title] = {"rows": len(texts), "label_counts": counts, "results": results}
        markdown.append(table(results, f"{title} ({len(texts)} texts; {counts})"))
        best_baseline = max(r["metrics"]["macro"]["f1"] for r in results[:-1])
        markdown.append(f"\nkpkclassify macro-F1 minus best baseline: {results[-1]['metrics']['macro']['f1'] - best_baseline:+.3f}\n")
    text = "\n".join(markdown)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.md").write_text(text + "\n", encoding="utf-8")
    (args.out / "report.json").write_text(json.dumps(report, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
