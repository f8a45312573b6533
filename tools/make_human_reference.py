"""Regenerate assets/eval/human_reference_chitchat_v1.json from the chitchat-dataset (offline, a few minutes).

    python tools/make_human_reference.py [--embedder minilm|hashing] [--out PATH]

The consecutive-turn similarity depends on the embedder; the file records which one was used, and `town eval` compares
that figure only when the run is evaluated with the same embedder.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from agents.embedding import CachingEmbedder, HashingEmbedder  # noqa: E402
from town.evaluation.corpus import chitchat_corpus  # noqa: E402
from town.evaluation.reference import DEFAULT_REFERENCE, build_reference  # noqa: E402

# Embedding every one of 135k turns with MiniLM on a laptop CPU takes long; a seeded sample of conversations keeps the
# statistics stable (their split-half spread is reported beside them) at a fraction of the cost.
SAMPLE_CONVERSATIONS = 2500


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--embedder", choices=["minilm", "hashing"], default="minilm")
    parser.add_argument("--out", type=Path, default=DEFAULT_REFERENCE)
    parser.add_argument("--conversations", type=int, default=SAMPLE_CONVERSATIONS)
    args = parser.parse_args()
    if args.embedder == "minilm":
        from agents.llm.sentence_embedder import SentenceEmbedder  # noqa: PLC0415

        embedder = CachingEmbedder(SentenceEmbedder())
    else:
        embedder = CachingEmbedder(HashingEmbedder())
    corpus = chitchat_corpus(max_conversations=args.conversations, seed=0)
    reference = build_reference(corpus, embedder, seed=0)
    reference.notes.append(
        f"chitchat-dataset 0.9.0 (MIT): a seeded sample of {args.conversations} of 7,168 conversations, "
        "single-turn conversations dropped, a speaker's consecutive messages joined into one turn"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(reference.model_dump_json(indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    for name, metric in reference.metrics.items():
        halves = f"{metric.half_a:.3f} / {metric.half_b:.3f}"
        print(f"{name:24s} {metric.value:.3f}  halves {halves}  noise Sim {metric.noise_sim:.3f}")


if __name__ == "__main__":
    main()
