"""Knowledge base and policy site generator.

The core engine (this package minus ``mkdocs_plugin``) reads a KB project, validates page
metadata, computes staleness and builds the search index without importing MkDocs; the MkDocs
plugin and the ``kb`` CLI are thin adapters over it.
"""

from kbsite.problems import Problem, Severity
from kbsite.project import Project, ProjectError, find_project
from kbsite.settings import Settings

__all__ = ["Problem", "Project", "ProjectError", "Settings", "Severity", "find_project"]
__version__ = "0.1.0"
