"""The embedded NER model as a :class:`khabar.tasks.entities.Recogniser`: ``load_crf(path)``."""

from __future__ import annotations

import json
from pathlib import Path

import pycrfsuite

from khabar.tasks.entities.crf.corpus import from_bioes, repair_iob
from khabar.tasks.entities.crf.features import FeatureConfig, FeatureExtractor
from khabar.tasks.entities.crf.lexicon import Lexicon

MODEL_FILE = "model.crfsuite"
META_FILE = "meta.json"
DEFAULT_MODEL_DIR = Path(__file__).with_name("model")
# The previous default, without word clusters: faster, lower F1 (README, MODEL_CARD).
FAST_MODEL_DIR = Path(__file__).with_name("model_fast")
# Models shipped in the package, by the names ``--model`` / ``KHABAR_NER_MODEL_PATH`` accept.
MODELS = {"default": DEFAULT_MODEL_DIR, "fast": FAST_MODEL_DIR}


class CrfRecogniser:
    """Tags tokenised sentences with IOB2 labels using a trained CRF and its lexicon.

    Load once per process (:func:`load_crf`): opening the model maps its weights and reads the
    lexicon tables; tagging is then pure computation.
    """

    name = "crf"

    def __init__(self, tagger: pycrfsuite.Tagger, extractor: FeatureExtractor, scheme: str = "iob2") -> None:
        self._tagger = tagger
        self._extractor = extractor
        # Known names and word frequencies: the entities stage reads them to tell clitics from names.
        self.lexicon = extractor.lexicon
        self._decode = from_bioes if scheme == "bioes" else repair_iob

    @classmethod
    def from_path(cls, path: str | Path) -> CrfRecogniser:
        """Return the recogniser saved in model folder ``path``."""
        folder = Path(path)
        model = folder / MODEL_FILE
        if not model.exists():
            raise FileNotFoundError(f"no CRF model at {model}")
        meta_file = folder / META_FILE
        meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.exists() else {}
        config = FeatureConfig.from_json(meta.get("features", {}))
        tagger = pycrfsuite.Tagger()
        tagger.open(str(model))
        return cls(tagger, FeatureExtractor(Lexicon.load(folder), config), meta.get("scheme", "iob2"))

    def tag(self, sentences: list[list[str]]) -> list[list[str]]:
        """Return one IOB2 label per token of each sentence (empty sentences give empty lists).

        Pass an article's sentences in one call: a word's other mentions nearby are evidence.
        """
        feats = self._extractor.sentences(sentences)
        return [self._decode(self._tagger.tag(x)) if x else [] for x in feats]


def model_dir(path: str | Path | None = None) -> Path:
    """Return the folder of model ``path``: a shipped model's name (``MODELS``), a folder, or None (the default)."""
    if path is None:
        return DEFAULT_MODEL_DIR
    return MODELS.get(str(path), Path(path))


def load_crf(path: str | Path | None = None) -> CrfRecogniser:
    """Return the CRF recogniser in ``path`` (a folder, or "default" or "fast"), the default model when None."""
    return CrfRecogniser.from_path(model_dir(path))
