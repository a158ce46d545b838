"""Word clusters learned from unlabelled news, as the tagger reads them at run time.

``clusters.bin`` beside the model maps a match-form word to its cluster at a few granularities
(k-means over word2vec vectors trained on ~10 M words of news: 64, 256 and 1,024 clusters; built by
:mod:`khabar.tasks.entities.crf.clusters_build`).  Words used alike share a cluster: a person's
name that no gazetteer lists lands beside the names it is written like, a town beside towns.  For
the CRF they are what capital letters and word shapes are in English: evidence for words it never
saw in training.

Held, like the word frequencies (:class:`~khabar.tasks.entities.crf.lexicon.FrequencyTable`), as
sorted 32-bit hashes and small integers: ~10 bytes a word, no Python object per word, so a worker
loads it in milliseconds and its size barely shows in RSS.  A word that is not in the table has no
cluster features.

File layout (little-endian): ``b"KCL1"``, the number of words ``n`` (uint32), the number of
granularities ``g`` (uint8), then ``g`` cluster counts (uint16 each), the ``n`` sorted hashes
(uint32), then ``n * g`` cluster ids (uint16, word by word).
"""

from __future__ import annotations

import struct
import sys
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from pathlib import Path

CLUSTERS_FILE = "clusters.bin"
_MAGIC = b"KCL1"


def _hash(word: str) -> int:
    """Return a stable 32-bit hash of a word (as the frequency table's)."""
    return zlib.crc32(word.encode("utf-8"))


def _little(values: array) -> bytes:  # type: ignore[type-arg]
    out = array(values.typecode, values)
    if sys.byteorder == "big":  # pragma: no cover - every mainstream platform is little-endian
        out.byteswap()
    return out.tobytes()


def _read(typecode: str, data: bytes) -> array:  # type: ignore[type-arg]
    out = array(typecode)
    out.frombytes(data)
    if sys.byteorder == "big":  # pragma: no cover
        out.byteswap()
    return out


class ClusterTable:
    """Cluster ids of match-form words at each granularity (see the module docstring)."""

    def __init__(self, sizes: Sequence[int] = (), ids: Mapping[str, Sequence[int]] | None = None) -> None:
        """``sizes`` are the cluster counts (64, 256, 1024); ``ids`` maps a word to one id per size."""
        self.sizes = tuple(sizes)
        best: dict[int, Sequence[int]] = {}
        for word, row in (ids or {}).items():
            if len(row) != len(self.sizes):
                raise ValueError(f"{word!r}: {len(row)} cluster ids for {len(self.sizes)} granularities")
            best.setdefault(_hash(word), row)  # a colliding pair keeps the first word's clusters
        keys = sorted(best)
        self._keys = array("I", keys)
        self._ids = array("H", [c for k in keys for c in best[k]])

    def __len__(self) -> int:
        return len(self._keys)

    def get(self, word: str) -> tuple[int, ...] | None:
        """Return the word's cluster id at each granularity, or None when the table does not hold it."""
        h = _hash(word)
        i = bisect_left(self._keys, h)
        if i == len(self._keys) or self._keys[i] != h:
            return None
        g = len(self.sizes)
        return tuple(self._ids[i * g : (i + 1) * g])

    def to_bytes(self) -> bytes:
        """Return the table in the file layout of the module docstring."""
        head = _MAGIC + struct.pack("<IB", len(self._keys), len(self.sizes))
        head += struct.pack(f"<{len(self.sizes)}H", *self.sizes)
        return head + _little(self._keys) + _little(self._ids)

    @classmethod
    def from_bytes(cls, data: bytes) -> ClusterTable:
        """Return the table that :meth:`to_bytes` wrote; ValueError when ``data`` is not one."""
        if data[:4] != _MAGIC:
            raise ValueError("not a cluster table (bad magic)")
        n, g = struct.unpack_from("<IB", data, 4)
        pos = 9
        sizes = struct.unpack_from(f"<{g}H", data, pos)
        pos += 2 * g
        table = cls(sizes)
        table._keys = _read("I", data[pos : pos + 4 * n])
        pos += 4 * n
        table._ids = _read("H", data[pos : pos + 2 * n * g])
        if len(table._keys) != n or len(table._ids) != n * g:
            raise ValueError("truncated cluster table")
        return table

    def save(self, folder: str | Path, name: str = CLUSTERS_FILE) -> None:
        """Write the table as ``name`` into ``folder``."""
        (Path(folder) / name).write_bytes(self.to_bytes())

    @classmethod
    def load(cls, folder: str | Path, name: str = CLUSTERS_FILE) -> ClusterTable | None:
        """Return the table saved as ``name`` in ``folder``, or None when there is none."""
        path = Path(folder) / name
        return cls.from_bytes(path.read_bytes()) if path.exists() else None
