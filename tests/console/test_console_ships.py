"""What ships: the console's templates and stylesheet are in the wheel (package-data), beside its code."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.support import ROOT

CONSOLE = ROOT / "worker" / "console"


def test_the_wheel_holds_the_console_templates_and_static_files(tmp_path: Path) -> None:
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = tmp_path.glob("khabar-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    wanted = {f"khabar/worker/console/{p.relative_to(CONSOLE).as_posix()}"
              for p in [*CONSOLE.glob("templates/*.html"), *CONSOLE.glob("static/*"), *CONSOLE.glob("*.py")]}
    assert len(wanted) >= 10 and wanted <= names, sorted(wanted - names)
    assert "khabar/worker/cli/console.py" in names
