"""Word clusters and neighbour votes as the tagger reads them: the tables round-trip, the committed ones load,
and the features use them."""

from __future__ import annotations

import pytest

from khabar.tasks.entities.crf.clusters import ClusterTable
from khabar.tasks.entities.crf.features import FeatureConfig, FeatureExtractor
from khabar.tasks.entities.crf.lexicon import Lexicon
from khabar.tasks.entities.crf.model import DEFAULT_MODEL_DIR
from khabar.tasks.entities.crf.neighbours import TYPES, vote_feature, vote_id


def test_a_cluster_table_round_trips_through_bytes() -> None:
    table = ClusterTable((64, 256, 1024), {"ترامب": (41, 131, 680), "بوتين": (41, 234, 52), "x": (0, 0, 1023)})
    again = ClusterTable.from_bytes(table.to_bytes())
    assert again.sizes == (64, 256, 1024)
    assert again.get("ترامب") == (41, 131, 680)
    assert again.get("x") == (0, 0, 1023)
    assert again.get("دمشق") is None
    assert len(again) == 3


def test_a_damaged_table_is_refused() -> None:
    data = ClusterTable((64,), {"a": (1,), "b": (2,)}).to_bytes()
    with pytest.raises(ValueError):
        ClusterTable.from_bytes(b"XXXX" + data[4:])
    with pytest.raises(ValueError):
        ClusterTable.from_bytes(data[:-3])
    with pytest.raises(ValueError):
        ClusterTable((64, 256), {"a": (1,)})


def test_votes_name_their_type_and_strength() -> None:
    seen = {vote_feature(vote_id(kind, share)) for kind in range(1, len(TYPES)) for share in (0.0, 0.2, 0.5, 0.9)}
    assert seen == {f"{t}{s}" for t in TYPES[1:] for s in range(4)}


def test_the_committed_clusters_put_names_with_names() -> None:
    table = Lexicon.load(DEFAULT_MODEL_DIR).clusters
    assert table is not None and len(table) > 50_000
    trump, putin, damascus, aleppo = (table.get(w) for w in ("ترامب", "بوتين", "دمشق", "حلب"))
    assert trump and putin and damascus and aleppo
    assert trump[0] == putin[0]  # two presidents: one of 64 clusters
    assert damascus[0] == aleppo[0] != trump[0]  # two Syrian cities, not with the presidents


def test_cluster_features_are_on_only_when_configured() -> None:
    lexicon = Lexicon.load(DEFAULT_MODEL_DIR)
    tokens = ["قال", "ترامب", "في", "دمشق"]
    plain = FeatureExtractor(lexicon, FeatureConfig(clusters=False)).sentence(tokens)
    with_k = FeatureExtractor(lexicon, FeatureConfig(clusters=True)).sentence(tokens)
    assert not any(f.startswith(("k64=", "+1:k64=")) for f in plain[1])
    assert {"k64=", "k256=", "k1024="} <= {f.split("=")[0] + "=" for f in with_k[1]}
    assert any(f.startswith("+1:k64=") for f in with_k[0])  # the neighbour's cluster


class _Vectors:
    """A few word vectors, as gensim's KeyedVectors answers for them."""

    def __init__(self, vectors: dict[str, list[float]]) -> None:
        import numpy as np

        self.index_to_key = list(vectors)
        self.key_to_index = {w: i for i, w in enumerate(vectors)}
        self._v = {w: np.array(v, dtype=np.float32) for w, v in vectors.items()}

    def __getitem__(self, word: str):  # noqa: ANN204
        return self._v[word]


def test_neighbours_vote_for_an_unseen_name_and_never_for_themselves() -> None:
    pytest.importorskip("numpy")
    from khabar.tasks.entities.crf.neighbours import build_votes

    names = ["زيد", "عمرو", "سامي"]
    vectors = _Vectors({"زيد": [1, 0.1], "عمرو": [1, 0.0], "سامي": [1, -0.1], "قال": [0, 1], "كتب": [0.1, 1],
                        "هشام": [1, 0.05]})  # Hisham: never labelled, beside the names
    train = [[("قال", "O"), (name, "B-PERS"), ("كتب", "O")] for name in names]
    clusters = ClusterTable((2,), {w: (0,) for w in vectors.index_to_key})
    votes = build_votes(train, vectors, clusters)
    hisham, said = votes.get("هشام"), votes.get("قال")
    assert hisham is not None and vote_feature(hisham[0]).startswith("PERS")
    assert said is not None and vote_feature(said[0]).endswith("0")  # its neighbours are mostly O
