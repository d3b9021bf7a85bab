"""The kernel specs and package versions in cell keys are kept between builds only while they hold."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from site_gen.cells import environment
from site_gen.cells.environment import Environment


def kernel(folder: Path, name: str, argv: list[str]) -> Path:
    spec = folder / "kernels" / name / "kernel.json"
    spec.parent.mkdir(parents=True, exist_ok=True)
    spec.write_text(json.dumps({"argv": argv, "display_name": name, "language": "python"}))
    return spec


def bump(path: Path, seconds: int) -> None:
    """A later modification time, as an edit a moment later would leave."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + seconds * 1_000_000_000))


@pytest.fixture
def jupyter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A Jupyter data folder of this test's own, searched before every other."""
    folder = tmp_path / "jupyter"
    monkeypatch.setenv("JUPYTER_PATH", str(folder))
    return folder


def test_what_was_found_is_answered_from_the_file_without_looking_again(tmp_path, jupyter, monkeypatch):
    kernel(jupyter, "probe", ["python", "-m", "probe"])
    path = tmp_path / "cells" / environment.ENVIRONMENT
    first = Environment(path)
    identity = first.kernel_identity("probe")
    versions = first.package_versions(["pytest", "json", "not_a_module"])
    first.save()
    assert identity["spec"]["argv"] == ["python", "-m", "probe"]
    assert versions == {"pytest": pytest.__version__}, "the standard library and unknown modules have no version"

    def looked(*_: object) -> None:
        raise AssertionError("looked up again")

    monkeypatch.setattr(environment, "_scan_distributions", looked)
    monkeypatch.setattr(environment, "_find_kernel", looked)
    again = Environment(path)
    assert again.kernel_identity("probe") == identity
    assert again.package_versions(["pytest"]) == {"pytest": pytest.__version__}


def test_an_edited_or_newly_installed_kernel_is_looked_up_again(tmp_path, jupyter, monkeypatch):
    spec = kernel(jupyter / "low", "probe", ["python", "-m", "old"])
    monkeypatch.setenv("JUPYTER_PATH", os.pathsep.join([str(jupyter / "high"), str(jupyter / "low")]))
    path = tmp_path / "cells" / environment.ENVIRONMENT
    first = Environment(path)
    assert first.kernel_identity("probe")["spec"]["argv"] == ["python", "-m", "old"]
    first.save()

    spec.write_text(spec.read_text().replace('"old"', '"edited"'))
    bump(spec, 5)
    edited = Environment(path)
    assert edited.kernel_identity("probe")["spec"]["argv"] == ["python", "-m", "edited"]
    edited.save()

    kernel(jupyter / "high", "probe", ["python", "-m", "shadowing"])  # the folder Jupyter searches first
    assert Environment(path).kernel_identity("probe")["spec"]["argv"] == ["python", "-m", "shadowing"]


def test_a_distribution_installed_or_upgraded_is_seen(tmp_path, monkeypatch):
    packages = tmp_path / "packages"
    packages.mkdir()
    monkeypatch.syspath_prepend(str(packages))
    path = tmp_path / "cells" / environment.ENVIRONMENT

    def install(version: str) -> None:
        for old in packages.glob("sg_env_probe-*.dist-info"):
            for file in old.iterdir():
                file.unlink()
            old.rmdir()
        info = packages / f"sg_env_probe-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: sg-env-probe\nVersion: {version}\n")
        (info / "top_level.txt").write_text("sg_env_probe\n")

    absent = Environment(path)
    assert absent.package_versions(["sg_env_probe"]) == {}
    absent.save()
    install("1.0")
    one = Environment(path)
    assert one.package_versions(["sg_env_probe"]) == {"sg-env-probe": "1.0"}
    one.save()
    install("2.0")
    assert Environment(path).package_versions(["sg_env_probe"]) == {"sg-env-probe": "2.0"}


def test_a_damaged_file_is_found_out_again(tmp_path, jupyter):
    kernel(jupyter, "probe", ["python", "-m", "probe"])
    path = tmp_path / environment.ENVIRONMENT
    path.write_text("{not json")
    assert Environment(path).kernel_identity("probe")["spec"]["argv"] == ["python", "-m", "probe"]
