"""Rep search: language analysis (pure Python), the Whoosh engine (the only package importing
Whoosh), and the search service shared by `kb search` and `kb serve`."""
