"""``kb import``: bring an existing help center (Zendesk, Jekyll, Hugo, DocFX, plain Markdown)
into a content folder of the KB, with valid front matter, converted markup and rewritten links.

The package does not import MkDocs: it reads a source tree, plans every page in memory, and
writes the result to a temporary folder that replaces DEST only when all of it is written.
"""
