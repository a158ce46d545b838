"""The README documents every setting and starts with the two commands."""

from __future__ import annotations

from khabar.config.settings import Settings
from tests.support import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_lists_every_setting() -> None:
    missing = [n for n in Settings.model_fields if f"KHABAR_{n.upper()}" not in README]
    assert missing == []


def test_readme_starts_with_the_two_commands_and_ci_runs_the_test_one() -> None:
    first_block = README.split("```sh", 1)[1].split("```", 1)[0]
    assert "make demo" in first_block and "make test" in first_block
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_readme_settings_table_is_what_scripts_settings_table_prints() -> None:
    """Defaults and meanings in the README come from khabar.config.settings, so that they cannot drift."""
    import contextlib
    import io
    import runpy

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        runpy.run_path(str(ROOT / "scripts" / "settings_table.py"), run_name="__main__")
    table = out.getvalue().strip()
    assert table.startswith("| variable | default | meaning |")
    assert table in README, "README's settings table differs from `python scripts/settings_table.py`"
