"""CAMeL Tools' BERT recogniser (``camel_tools.ner.NERecognizer``), loaded offline.

Importing this module is cheap; torch and transformers are imported by ``load_bert``
only, so a process on another backend never loads them.

The trap: ``camel_tools.ner`` does ``from camel_tools.data import CATALOGUE``, and
importing ``camel_tools.data`` reads a catalogue file from the CAMeL data directory,
downloading it from GitHub when there is none (with no network, the import raises;
with one, a worker would fetch files at start).  ``NERecognizer(model_path)`` never
uses the catalogue (only ``NERecognizer.pretrained`` does), so when no catalogue is
installed the import runs with a stand-in ``camel_tools.data`` that holds
``CATALOGUE = None``, removed again once ``camel_tools.ner`` is loaded.
"""

from __future__ import annotations

import json
import os
import sys
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from khabar.tasks.records import ENTITY_TYPES

INSTALL_COMMAND = "camel_data -i ner-arabert"
# camel_tools.ner.NERecognizer.predict pads every segment to 256 word pieces, [CLS] and
# [SEP] included, and cuts longer sentences into segments at word boundaries.
_SEGMENT_PIECES = 256 - 2


class ModelNotFound(FileNotFoundError):
    """No BERT model where one was looked for."""


def camel_data_dir(environ: Mapping[str, str]) -> Path:
    """Return CAMeL Tools' data directory: ``$CAMELTOOLS_DATA``, else ``~/.camel_tools``.

    The rule of ``camel_tools.data.catalogue`` (outside Windows), repeated here because
    importing that module is what must be avoided.
    """
    configured = environ.get("CAMELTOOLS_DATA")
    return Path(configured).expanduser().absolute() if configured else Path.home() / ".camel_tools"


def installed_model(data_dir: Path) -> Path:
    """Return where ``camel_data -i ner-arabert`` puts the model under ``data_dir``.

    The catalogue's default NamedEntityRecognition dataset when a catalogue is installed,
    else the path catalogue 1.6 gives it (``data/ner/arabert``).
    """
    relative = "ner/arabert"
    catalogue = data_dir / "catalogue.json"
    if catalogue.is_file():
        component = json.loads(catalogue.read_text(encoding="utf-8"))["components"]["NamedEntityRecognition"]
        relative = component["datasets"][component["default"]]["path"]
    return data_dir / "data" / relative


def _import_camel_ner(data_dir: Path) -> types.ModuleType:
    """Import ``camel_tools.ner`` without letting ``camel_tools.data`` go to the network."""
    # Already imported, or a catalogue to read from disk: the real module is safe.
    if "camel_tools.data" in sys.modules or (data_dir / "catalogue.json").is_file():
        import camel_tools.ner

        return camel_tools.ner
    # The stand-in is taken out of sys.modules after, so a later import gets the real module.
    stand_in = types.ModuleType("camel_tools.data")
    stand_in.CATALOGUE = None  # type: ignore[attr-defined]
    sys.modules["camel_tools.data"] = stand_in
    try:
        import camel_tools.ner
    finally:
        if sys.modules.get("camel_tools.data") is stand_in:
            del sys.modules["camel_tools.data"]
    return camel_tools.ner


class BertRecogniser:
    """Labels token sequences with a BERT token classifier through CAMeL Tools' NERecognizer.

    Each word gets the label of its first word piece (NERecognizer's own alignment).
    Words the tokenizer turns into no piece at all (zero-width or control characters)
    would silently shift every later label, so they are kept out of the model's input
    and labelled O.
    """

    name = "bert"

    def __init__(self, recognizer: Any, batch_size: int = 32) -> None:
        self._recognizer = recognizer
        self._batch_size = batch_size

    def tag(self, sentences: list[list[str]]) -> list[list[str]]:
        tokenizer = self._recognizer.tokenizer
        pieces: dict[str, int] = {}
        kept: list[list[int]] = []
        for sentence in sentences:
            for word in sentence:
                if word not in pieces:
                    pieces[word] = len(tokenizer.tokenize(word))
            kept.append([i for i, w in enumerate(sentence) if 0 < pieces[w] <= _SEGMENT_PIECES])
        predicted = self._recognizer.predict(
            [[sentence[i] for i in keep] for sentence, keep in zip(sentences, kept, strict=True)],
            batch_size=self._batch_size,
        )
        out = []
        for sentence, keep, labels in zip(sentences, kept, predicted, strict=True):
            if len(labels) != len(keep):
                raise RuntimeError(f"BERT returned {len(labels)} labels for {len(keep)} words")
            full = ["O"] * len(sentence)
            for i, label in zip(keep, labels, strict=True):
                full[i] = label
            out.append(full)
        return out


def _check_labels(labels: Mapping[int, str], path: Path) -> None:
    for label in labels.values():
        prefix, _, kind = label.partition("-")
        if label != "O" and not (prefix in ("B", "I") and kind in ENTITY_TYPES):
            expected = ", ".join(ENTITY_TYPES)
            raise ValueError(
                f"the BERT model at {path} has label {label!r}; expected O and B-/I- of {expected}"
            )


def load_bert(
    model_path: str | None,
    *,
    batch_size: int = 32,
    use_gpu: bool = True,
    environ: Mapping[str, str] | None = None,
) -> BertRecogniser:
    """Return the BERT recogniser of the model directory ``model_path``.

    With no path, the model ``camel_data -i ner-arabert`` installs in CAMeL Tools' data
    directory (``environ`` is read for ``CAMELTOOLS_DATA`` as camel_tools itself does;
    default: this process's environment).  Raises ModelNotFound naming the path and the
    install command when there is no model there.
    """
    data_dir = camel_data_dir(os.environ if environ is None else environ)
    path = Path(model_path) if model_path else installed_model(data_dir)
    if not (path / "config.json").is_file():
        raise ModelNotFound(
            f"no BERT NER model at {path} (no config.json); install CAMeL Tools' model with "
            f"`{INSTALL_COMMAND}` or set the model path to a BERT token-classification directory"
        )
    try:
        ner = _import_camel_ner(data_dir)
    except ImportError as exc:
        raise ImportError(f"the BERT backend needs torch and transformers ({exc})") from exc
    recognizer = ner.NERecognizer(str(path), use_gpu=use_gpu)
    _check_labels(recognizer.labels_map, path)
    return BertRecogniser(recognizer, batch_size)
