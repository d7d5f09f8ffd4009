"""Client-side search of the help center: a static, sharded index per language site written
by our analysis module, and a small browser client (``assets/kb-search.js``)."""

from kbsite.sites.client_search.documents import ClientDoc, ClientSearchError
from kbsite.sites.client_search.writer import IndexSummary, update_index, write_index

__all__ = ["ClientDoc", "ClientSearchError", "IndexSummary", "update_index", "write_index"]
