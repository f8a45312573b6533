"""`CrossEncoderModel`: a local sentence-pair classifier (a cross-encoder) loaded from a folder, on the CPU, offline.

sentence-transformers' CrossEncoder reads a model folder (config.json, weights, tokenizer) the way a downloaded model
is saved; nothing is fetched. Each pair gets the name of its highest-scoring label from the model's own `id2label`
(an NLI model: entailment / neutral / contradiction). Used by the evaluation's dialogue NLI (`town eval --nli PATH`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from town.core.errors import ConfigError


class CrossEncoderModel:
    def __init__(self, folder: Path, flag: str = "--nli") -> None:
        if not (folder / "config.json").is_file():
            raise ConfigError(f"{flag} {folder}: not a model folder (no config.json)")
        from sentence_transformers import CrossEncoder  # noqa: PLC0415 - heavy backend, loaded only when asked
        from transformers.utils import logging as hf_logging  # noqa: PLC0415

        hf_logging.disable_progress_bar()  # no weight-loading bars on the terminal: errors stay one line
        hf_logging.set_verbosity_error()
        try:
            self._model: Any = CrossEncoder(str(folder), local_files_only=True, device="cpu")
        except (OSError, ValueError) as exc:
            raise ConfigError(
                f"{flag} {folder}: cannot load it as a cross-encoder ({str(exc).splitlines()[0]})"
            ) from None
        self.labels = {int(k): str(v).lower() for k, v in self._model.config.id2label.items()}

    def predict(self, pairs: Sequence[tuple[str, str]]) -> list[str]:
        """The label name of each (first, second) pair."""
        scores = np.asarray(self._model.predict(list(pairs), batch_size=32, show_progress_bar=False))
        return [self.labels[int(i)] for i in scores.reshape(len(pairs), -1).argmax(axis=1)]
