"""A project-owned Flink home: pyflink's distribution plus the connector jars in ``lib/``.

This mirrors the production image's ``/opt/flink`` layout, so the client-side planner and the
cluster both see the connectors without any ``add_jars`` call in job code.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pyflink

PYFLINK_DIR = Path(pyflink.__file__).resolve().parent
ENABLED_PLUGINS = ("metrics-prometheus",)


def _link(target: Path, link: Path) -> None:
    if link.is_symlink() or link.exists():
        if link.is_symlink() and link.resolve() == target.resolve():
            return
        link.unlink()
    link.symlink_to(target)


def build_flink_home(tools: Path) -> Path:
    """Create (or refresh) ``tools/flink-home``; cheap when nothing changed."""
    home = tools / "flink-home"
    for sub in ("lib", "opt", "plugins"):
        if (home / sub).is_symlink():
            (home / sub).unlink()
        (home / sub).mkdir(parents=True, exist_ok=True)
    # bin/ is copied, not linked: config.sh derives FLINK_HOME from the script's own directory.
    if not (home / "bin" / "flink").is_file():
        shutil.copytree(PYFLINK_DIR / "bin", home / "bin", dirs_exist_ok=True)
    _link(PYFLINK_DIR / "conf", home / "conf")
    # opt/ is a real directory: Flink's client walks it without following a linked directory.
    for jar in (PYFLINK_DIR / "opt").glob("*.jar"):
        _link(jar, home / "opt" / jar.name)
    jars = [*sorted((PYFLINK_DIR / "lib").glob("*.jar")), *sorted((tools / "connectors").glob("*.jar"))]
    wanted = {jar.name for jar in jars}
    for stale in (home / "lib").iterdir():
        if stale.name not in wanted:
            stale.unlink()
    for jar in jars:
        _link(jar, home / "lib" / jar.name)
    for plugin in ENABLED_PLUGINS:
        _link(PYFLINK_DIR / "plugins" / plugin, home / "plugins" / plugin)
    os.chmod(home / "bin", 0o755)
    return home
