"""``khabar console``: a read-only web view of the article store, as an editor and an operator see it.

``reader`` asks Redis (indexes and bounded scans, never the whole keyspace at once),
``render`` turns a document into marked-up blocks, ``app`` serves the pages.
"""
