"""The package installs its console script and MkDocs entry point."""

from importlib.metadata import entry_points

from conftest import REPO, run_kb


def test_plugin_entry_point_is_registered() -> None:
    """`plugins: [kb]` resolves to our plugin class."""
    (ep,) = [e for e in entry_points(group="mkdocs.plugins") if e.name == "kb"]
    assert ep.load().__name__ == "KBPlugin"


def test_cli_help_lists_commands() -> None:
    """`kb --help` runs through the real entry point and names the commands."""
    result = run_kb("--help", cwd=REPO)
    assert result.code == 0
    for command in ("check", "new"):
        assert command in result.out
