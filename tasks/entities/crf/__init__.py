"""The embedded NER model: a CRF over Arabic-aware features and package-derived gazetteers.

``load_crf(path=None)`` returns a :class:`CrfRecogniser` (the committed model by default; ``"fast"`` the
previous one, without word clusters);
``khabar.tasks.entities.crf.training.train`` makes a new one.  See ``model/MODEL_CARD.md``.
"""

from khabar.tasks.entities.crf.model import MODELS, CrfRecogniser, load_crf, model_dir

__all__ = ["MODELS", "CrfRecogniser", "load_crf", "model_dir"]
