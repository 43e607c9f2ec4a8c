"""The README's newcomer path runs as written.

The slow test copies the repository's tracked files (``git ls-files``: not
``.venv``, data, bundles or stores) to a temporary folder, runs ``make
demo``'s steps there (the Makefile's ``demo`` recipe, with ``$(BIN)/``
dropped: the running environment's executables are on ``PATH`` and
``PYTHONPATH`` points at the copy, as after ``source .venv/bin/activate``),
then every fenced ``bash`` and ``python`` block of the README, in order:

- a ``bash`` block with ``bash -euo pipefail`` in the copy's folder;
- a ``python`` block in a Python process of its own, in that folder (so each
  block must define what it uses);
- ``console``, ``yaml`` and ``text`` blocks are shown, not run (the README's
  HTML comment at its top says so).

To bound the runtime, the copy's ``configs/*.yaml`` get few tuning trials,
bootstrap resamples and permutations (the commands stay as written). The
fast tests check the README against the repository without running it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
FENCE = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)
RUN = {"bash", "python"}
#: What the copy's configs are cut to (the README's commands are unchanged).
QUICK = {
    "tuning": {"n_trials": 2},
    "evaluation": {"n_bootstrap": 50, "n_permutations": 5},
}


def blocks(text: str) -> list[tuple[str, str]]:
    """Return the README's fenced blocks as (language, code), in order."""
    return [(m.group(1), m.group(2)) for m in FENCE.finditer(text)]


def demo_steps(makefile: str) -> list[str]:
    """Return the commands of the Makefile's ``demo`` recipe, ``$(BIN)/`` dropped."""
    lines = makefile.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("demo:"))
    steps = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        steps.append(line.strip().replace("$(BIN)/", ""))
    return steps


# -- fast: the README matches the repository ----------------------------------
def test_readme_blocks_use_known_fences():
    languages = {language for language, _ in blocks(README.read_text())}
    assert languages <= RUN | {"console", "yaml", "text"}, languages
    assert {"bash", "python", "console"} <= languages


def test_the_config_shown_as_default_yaml_is_that_file():
    shown = [
        code
        for language, code in blocks(README.read_text())
        if language == "yaml" and code.startswith("# configs/default.yaml\n")
    ]
    assert len(shown) == 1, "the README shows configs/default.yaml once"
    body = shown[0].removeprefix("# configs/default.yaml\n")
    assert body == (ROOT / "configs" / "default.yaml").read_text()


def test_runnable_blocks_have_no_placeholders():
    for language, code in blocks(README.read_text()):
        if language not in RUN:
            continue
        assert not re.search(r"\[--[\w-]+", code), code  # optional flags
        assert "example.org" not in code and "<id>" not in code.split("#")[0], code


def test_readme_outputs_are_git_ignored():
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    for name in ("new_patients.csv", "scores.csv", "scores.json", "report.html"):
        assert name in ignored, name


def test_demo_steps_are_read_from_the_makefile():
    steps = demo_steps((ROOT / "Makefile").read_text())
    assert steps[0].startswith("rtms-predict simulate")
    assert any(step.startswith("rtms-predict train") for step in steps)


# -- slow: run it --------------------------------------------------------------
def _copy_repository(target: Path) -> None:
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    for name in filter(None, files.split("\0")):
        source = ROOT / name
        if not source.is_file():  # deleted in the work tree
            continue
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target / name)
    for config in (target / "configs").glob("*.yaml"):
        document = yaml.safe_load(config.read_text())
        for key, values in QUICK.items():
            document[key] = {**(document.get(key) or {}), **values}
        config.write_text(yaml.safe_dump(document, sort_keys=False))


def _run(command: list[str], folder: Path, env: dict[str, str], what: str) -> str:
    done = subprocess.run(
        command, cwd=folder, env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, (
        f"{what} failed with exit code {done.returncode}\n--- stdout\n"
        f"{done.stdout[-4000:]}\n--- stderr\n{done.stderr[-4000:]}"
    )
    return done.stdout


@pytest.mark.slow
def test_every_readme_block_runs_in_order_after_the_demo(tmp_path):
    repo = tmp_path / "rtms-predict"
    repo.mkdir()
    _copy_repository(repo)
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(repo),
        "COLUMNS": "200",
        "MPLBACKEND": "Agg",
    }
    for name in ("MLFLOW_TRACKING_URI", "PYTHONSTARTUP"):
        env.pop(name, None)
    for step in demo_steps((repo / "Makefile").read_text()):
        out = _run(["bash", "-euo", "pipefail", "-c", step], repo, env, f"demo: {step}")
    assert (repo / "models" / "default" / "MLmodel").is_file()
    # the demo's last line is a command that works as printed
    hint = " ".join(out.split()).split("open the UI with: ")[1]
    program, subcommand, *options = hint.split()
    assert subcommand == "ui" and options == ["--tracking-uri", "sqlite:///mlflow.db"]
    assert shutil.which(program, path=env["PATH"]) or (repo / program).is_file()
    _run([program, "ui", "--help"], repo, env, f"the demo's hint: {hint}")
    ran = 0
    for number, (language, code) in enumerate(blocks((repo / "README.md").read_text())):
        if language == "bash":
            command = ["bash", "-euo", "pipefail", "-c", code]
        elif language == "python":
            command = [sys.executable, "-c", code]
        else:
            continue
        _run(command, repo, env, f"README block {number} ({language}):\n{code}")
        ran += 1
    assert ran >= 8
    for written in ("new_patients.csv", "scores.csv", "scores.json", "report.html"):
        assert (repo / written).is_file(), written
