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

To bound the runtime, the copy's ``configs/*.yaml`` get few tuning trials
(for ``auto`` and ``select``: few per candidate family, whose own trials
override ``tuning.n_trials``), bootstrap resamples and permutations (the
commands stay as written). The fast tests check the README against the
repository without running it, and that the cut configs are cut.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from predict.config import parse_config
from predict.models import DEFAULT_CANDIDATES, ENSEMBLES

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
FENCE = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)
RUN = {"bash", "python"}
#: Options naming a file or folder a README command writes, per subcommand
#: ("*": every subcommand).
OUTPUT_OPTIONS = {
    "*": {"--out", "-o"},
    "simulate": {"--truth", "--raw", "--visits"},
    "experiment": {"--report", "--models-dir"},
    "train": {"--models-dir"},
}
#: Options whose value is a folder (checked through a file inside it).
FOLDER_OPTIONS = {"--raw", "--report", "--models-dir"}
#: Shell tokens that end one command and start the next.
SEPARATORS = {";", "&&", "||", "|", "&"}
#: A Python call writing to a literal path: ``x.to_csv("a.csv")``,
#: ``open("a.txt", "w")``, ``Path("a.txt").write_text(...)``.
PYTHON_WRITES = re.compile(
    r"\.(?:to_csv|to_json|to_parquet|to_html|savefig)\(\s*[\"']([^\"']+)[\"']"
    r"|open\(\s*[\"']([^\"']+)[\"']\s*,\s*[\"'][wax]"
    r"|Path\(\s*[\"']([^\"']+)[\"']\s*\)\.write_(?:text|bytes)\("
)
#: What the copy's configs are cut to (the README's commands are unchanged).
QUICK = {
    "tuning": {"n_trials": 2},
    "evaluation": {"n_bootstrap": 50, "n_permutations": 5},
}
#: Trials per study of each candidate family of ``auto`` and ``select`` there.
QUICK_CANDIDATE_TRIALS = 2


def blocks(text: str) -> list[tuple[str, str]]:
    """Return the README's fenced blocks as (language, code), in order."""
    return [(m.group(1), m.group(2)) for m in FENCE.finditer(text)]


def _commands(code: str) -> list[list[str]]:
    """Split a bash block into commands (lists of tokens), comments dropped."""
    commands: list[list[str]] = []
    for line in code.replace("\\\n", " ").splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        command: list[str] = []
        for token in lexer:
            if token in SEPARATORS:
                commands.append(command)
                command = []
            else:
                command.append(token)
        commands.append(command)
    return [command for command in commands if command]


def _rtms_outputs(tokens: list[str]) -> set[str]:
    """What ``rtms-predict SUBCOMMAND ...`` writes: named outputs and defaults."""
    subcommand = tokens[1] if len(tokens) > 1 else ""
    options = OUTPUT_OPTIONS["*"] | OUTPUT_OPTIONS.get(subcommand, set())
    given: dict[str, str] = {}
    for i, token in enumerate(tokens[2:], start=2):
        name, equals, value = token.partition("=")
        if not equals and i + 1 < len(tokens):
            value = tokens[i + 1]
        if name.startswith("-") and value:
            given[name] = value
    written = set()
    for name, value in given.items():
        if name in options:
            written.add(f"{value}/file" if name in FOLDER_OPTIONS else value)
    if subcommand == "simulate" and not {"--out", "-o"} & given.keys():
        written.add("data/cohort.csv")
    if subcommand in ("train", "experiment"):
        models = given.get("--models-dir", "models")
        config = given.get("--config", given.get("-c", "x"))
        written.add(f"{models}/{given.get('--name', Path(config).stem)}/MLmodel")
        if "--tracking-uri" not in given:  # the default SQLite store
            written |= {"mlflow.db", "mlartifacts/1/file"}
    return written


def written_files(language: str, code: str) -> set[str]:
    """Return the paths a README block writes, relative to where it runs.

    For ``bash``: every ``rtms-predict`` output option (``--out``,
    ``simulate``'s ``--truth``, ``--raw`` and ``--visits``, ...), the bundle
    and tracking store ``train`` and ``experiment`` write by default, the
    target of each ``>``/``>>`` redirect and of ``tee``. For ``python``:
    literal paths given to ``to_csv``-like methods, ``open(..., "w")`` and
    ``Path(...).write_text``. Folders are given as a file inside them.
    """
    if language == "python":
        return {"".join(match) for match in PYTHON_WRITES.findall(code)}
    written: set[str] = set()
    for tokens in _commands(code):
        for i, token in enumerate(tokens[:-1]):
            if token in (">", ">>", "2>", "&>"):
                written.add(tokens[i + 1])
        if tokens[0] == "tee":
            written |= {token for token in tokens[1:] if not token.startswith("-")}
        if tokens[0] == "rtms-predict":
            written |= _rtms_outputs(tokens)
    written.discard("/dev/null")
    return written


def quick_config(document: dict[str, Any]) -> dict[str, Any]:
    """Return a config document cut to :data:`QUICK`, the input unchanged.

    An ``auto`` or ``select`` model gets its candidates (the default families
    when it lists none) with :data:`QUICK_CANDIDATE_TRIALS` trials each, their
    fixed parameters kept.
    """
    quick = dict(document)
    for key, values in QUICK.items():
        quick[key] = {**(document.get(key) or {}), **values}
    model = document.get("model") or {}
    if model.get("name") in ENSEMBLES:
        candidates = model.get("candidates") or list(DEFAULT_CANDIDATES)
        if isinstance(candidates, list):
            candidates = dict.fromkeys(candidates)
        quick["model"] = {
            **model,
            "candidates": {
                name: {**(options or {}), "n_trials": QUICK_CANDIDATE_TRIALS}
                for name, options in candidates.items()
            },
        }
    return quick


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


def test_written_files_finds_outputs_options_redirects_and_python_writes():
    bash = (
        "rtms-predict simulate --n 20 --truth t.csv --raw raw_dir\n"
        "rtms-predict qc c.csv --out qc.html -c configs/x.yaml  # a comment > no\n"
        "rtms-predict score -m models/a -d c.csv -o s.json && echo hi > log.txt\n"
        "rtms-predict train --config configs/b.yaml --data c.csv "
        "--tracking-uri sqlite:///t.db | tee train.log\n"
        "rtms-predict validate c.csv > /dev/null\n"
    )
    assert written_files("bash", bash) == {
        "data/cohort.csv",
        "t.csv",
        "raw_dir/file",
        "qc.html",
        "s.json",
        "log.txt",
        "models/b/MLmodel",
        "train.log",
    }
    python = (
        'table.to_csv("a.csv", index=False)\n'
        'with open("b.txt", "w") as f:\n    pass\n'
        'Path("c.json").write_text("{}")\n'
        'read_csv("not_written.csv")\n'
    )
    assert written_files("python", python) == {"a.csv", "b.txt", "c.json"}


def test_readme_outputs_are_git_ignored():
    steps = demo_steps((ROOT / "Makefile").read_text())
    runnable = [("bash", step) for step in steps] + [
        (language, code)
        for language, code in blocks(README.read_text())
        if language in RUN
    ]
    written = set().union(*(written_files(*block) for block in runnable))
    assert {"qc.html", "scores.csv", "data/features.csv", "mlflow.db"} <= written
    checked = subprocess.run(
        ["git", "check-ignore", "--no-index", "--stdin", "-z"],
        cwd=ROOT,
        input="\0".join(sorted(written)),
        capture_output=True,
        text=True,
    )
    ignored = set(filter(None, checked.stdout.split("\0")))
    assert not written - ignored, (
        f"the README and demo write these, not git-ignored: {sorted(written - ignored)}"
    )


def _trials_per_family(document: dict[str, Any]) -> dict[str, int]:
    """Each tuned family's Optuna trials per study, as training reads them."""
    config = parse_config(document)
    if config.model.name not in ENSEMBLES:
        return {config.model.name: config.tuning.n_trials}
    if not config.model.candidates:
        return dict(DEFAULT_CANDIDATES)
    return {
        name: candidate.n_trials or config.tuning.n_trials
        for name, candidate in config.model.candidates.items()
    }


@pytest.mark.parametrize(
    "config", sorted(p.name for p in (ROOT / "configs").glob("*.yaml"))
)
def test_quick_configs_cut_every_familys_trials(config):
    document = yaml.safe_load((ROOT / "configs" / config).read_text())
    quick = quick_config(document)
    assert quick_config(document) == quick and document != quick  # input unchanged
    full = _trials_per_family(document)
    cut = _trials_per_family(quick)
    assert cut.keys() == full.keys()  # the same families, fewer trials
    assert max(cut.values()) <= QUICK["tuning"]["n_trials"], cut
    evaluation = parse_config(quick).evaluation
    assert evaluation.n_bootstrap == 50 and evaluation.n_permutations == 5


@pytest.mark.parametrize(
    "candidates",
    [
        pytest.param(None, id="default-families"),
        pytest.param(["elastic_net", "xgboost"], id="list"),
        pytest.param({"elastic_net": {"params": {"l1_ratio": 0.5}}}, id="params"),
    ],
)
def test_quick_config_cuts_auto_candidates_in_every_form(candidates):
    model: dict[str, Any] = {"name": "auto"}
    if candidates is not None:
        model["candidates"] = candidates
    quick = quick_config({"features": "auto", "model": model, "seed": 0})
    families = list(candidates or DEFAULT_CANDIDATES)
    assert _trials_per_family(quick) == dict.fromkeys(families, 2)
    if isinstance(candidates, dict):  # fixed parameters are kept
        assert quick["model"]["candidates"]["elastic_net"]["params"] == {
            "l1_ratio": 0.5
        }


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
        document = quick_config(yaml.safe_load(config.read_text()))
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
