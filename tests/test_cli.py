"""The site-gen command as a user runs it: a real subprocess, exit codes and messages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .conftest import write


def site_gen(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "site_gen", *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def test_build_reports_pages_and_location(make_site):
    root = make_site()
    run = site_gen("build", cwd=root)
    assert run.returncode == 0, run.stderr
    assert "Built " in run.stdout and str(root / "public") in run.stdout
    assert (root / "public/index.html").is_file()


def test_bad_input_exits_non_zero_with_location_and_hint(make_site):
    root = make_site({"content/posts/bad.md": "---\ntitle: Bad\ndate: 2026-01-01\n---\n\nText\n\n$$\\frac{1}{$$\n"})
    run = site_gen("build", cwd=root)
    assert run.returncode == 1
    assert "content/posts/bad.md:8: error:" in run.stderr
    assert "Traceback" not in run.stderr
    assert not (root / "public").exists()


def test_check_does_not_write_public(make_site):
    root = make_site()
    run = site_gen("check", cwd=root)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("OK:")
    assert not (root / "public").exists()


def test_check_strict_fails_on_warnings(make_site):
    root = make_site({"content/posts/w.md": "---\ntitle: W\ndate: 2026-01-01\n---\n```nosuchlang\nx\n```\n"})
    run = site_gen("check", "--strict", cwd=root)
    assert run.returncode == 1
    assert "content/posts/w.md:5: warning:" in run.stderr


def test_new_post_then_build(tmp_path):
    run = site_gen("new", "site", "notebook", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    root = tmp_path / "notebook"
    made = site_gen("new", "post", "My First Derivative", "--tags", "math, calculus", cwd=root)
    assert made.returncode == 0, made.stderr
    post = root / "content/posts/my-first-derivative.md"
    assert "title: My First Derivative" in post.read_text()
    again = site_gen("new", "post", "My First Derivative", cwd=root)
    assert again.returncode == 1 and "already exists" in again.stderr
    # New posts start as drafts, as in Hugo.
    built = site_gen("build", "--drafts", cwd=root)
    assert built.returncode == 0, built.stderr
    assert (root / "public/posts/my-first-derivative/index.html").is_file()


def test_unknown_config_key_is_reported(make_site):
    root = make_site()
    write(root, "site.toml", 'title = "x"\nauthr = "typo"\n')
    run = site_gen("build", cwd=root)
    assert run.returncode == 1
    assert "site.toml:2: error: unknown setting 'authr'" in run.stderr
