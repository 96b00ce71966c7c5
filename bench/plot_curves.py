#!/usr/bin/env python3
"""Recall against QPS from a bench/curves.cpp report: one panel per k and query mode.

    python3 bench/plot_curves.py curves.json curves.png
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

MODES = [("qps_call_1t", "one query per call, 1 thread"), ("qps_batch_2t", "batch, 2 threads")]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1]) as fh:
        report = json.load(fh)
    ks = sorted({p["k"] for e in report["engines"] for p in e.get("points", [])})
    fig, axes = plt.subplots(
        len(ks), len(MODES), figsize=(6 * len(MODES), 4.2 * len(ks)), squeeze=False
    )
    for row, k in enumerate(ks):
        for col, (key, title) in enumerate(MODES):
            ax = axes[row][col]
            for e in report["engines"]:
                pts = sorted(
                    (p for p in e.get("points", []) if p["k"] == k), key=lambda p: p["recall"]
                )
                if not pts:
                    continue
                style = "-o" if e["name"].startswith("hnsw") else ("--s" if e["name"].startswith("annoy") else "-^")
                ax.plot([p["recall"] for p in pts], [p[key] for p in pts], style, label=e["name"], ms=4)
            ax.set_yscale("log")
            ax.set_xlabel(f"recall@{k}")
            ax.set_ylabel("queries per second")
            ax.set_title(f"recall@{k}, {title}")
            ax.grid(True, which="both", alpha=0.3)
            ax.legend(fontsize=8)
    fig.suptitle(
        f"{report['dataset']}: {report['n']} x {report['dim']}, {report['queries']} queries, "
        f"{report['cores']} cores (load {report['load_start']:.1f}-{report['load_end']:.1f})"
    )
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=110)
    print(f"wrote {sys.argv[2]}")


if __name__ == "__main__":
    main()
