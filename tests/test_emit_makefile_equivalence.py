"""The emitted Makefile, run by real GNU make, does what ``pipekit run`` does: same files,
same output, same failures, every dependency honoured under ``make -j8``."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from tests.helpers_emit import (
    EXAMPLES,
    base_env,
    emit,
    make,
    normalise,
    pipekit,
    snapshot,
    task_output,
    twin,
    write_project,
)


def toml_str(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)


# Each case: task name -> its run entries (shell text, exactly as a user writes it).
NASTY: dict[str, list[str]] = {
    "dollars": [
        'echo "home=$HOME" > out/dollars.txt',
        "echo 'single $HOME ${HOME} $(pwd) $$' >> out/dollars.txt",
        'x=5; echo "${x} $x ${x:-d} ${y:-dflt} $((x+1))" >> out/dollars.txt',
        '[ -n "$$" ] && echo "pid $ ok" >> out/dollars.txt',
        "cat out/dollars.txt",
    ],
    "hashes": [
        "echo a#b \"#c\" '# d' > out/hashes.txt # a trailing comment",
        "echo \"#\"'#'# >> out/hashes.txt",
        "cat out/hashes.txt",
    ],
    "percent": [
        r"printf '%s=%d%%\n' rate 50 > out/percent.txt",
        "echo 100% %% %.o %d >> out/percent.txt",
        "cat out/percent.txt",
    ],
    "quotes": [
        r"""echo "it's \"double\" 'single'" > out/quotes.txt""",
        """echo 'say "hi"' "it's" '' "" >> out/quotes.txt""",
        "cat out/quotes.txt",
    ],
    "backslash": [
        r"printf 'a\tb\n' > out/backslash.txt",
        r"echo 'c:\dir\' >> out/backslash.txt",
        r"printf '%s\n' end\\ >> out/backslash.txt",
        "echo one \\\n  two >> out/backslash.txt",
        "echo tail >> out/backslash.txt; echo x \\",
        "cat out/backslash.txt",
    ],
    "multiline": [
        'for i in 1 2 3; do\n  echo "line $i"\ndone > out/multi.txt\n',
        "if [ -s out/multi.txt ]; then\n    echo yes\nelse\n    echo no\nfi",
        "cat out/multi.txt\n\n\n",
    ],
    "heredoc": [
        "cat > out/heredoc.txt <<'EOF'\nliteral $HOME `date` \\n $(x) ${y}\n\ttab-indented\n"
        "  two spaces\nEOF\n"
        "cat >> out/heredoc.txt <<EOF\nexpanded ${GREETING:-none} $((1+2))\nEOF",
        "cat out/heredoc.txt",
    ],
    "makevars": [
        "echo '$(MAKE) $(SHELL) $@ $< $* %.o $$(x)' > out/makevars.txt",
        'echo "$(echo sub)" `echo tick` >> out/makevars.txt',
        "cat out/makevars.txt",
    ],
    "unicode": ["echo 'héllo wörld ✓ 日本語 €' > out/unicode.txt", "cat out/unicode.txt"],
    "tabs": ["printf 'a\\tb\\n'\t>\tout/tabs.txt", "cat out/tabs.txt"],
    "pipes": ["echo ok | tr a-z A-Z | tee out/pipes.txt", "seq 3 | paste -sd+ | bc"],
}

ENV_TASK = {
    "A": "${PIPEKIT_TEST_UNSET:-fall back}",
    "B": "${A}+b",
    "D": "${PIPEKIT_TEST_SET}",
    "E": '${PIPEKIT_TEST_EMPTY:-it\'s "q" $x `y` \\z ~ *}',
    "GREETING": "task-${GREETING}",
}
GLOBAL_ENV = {
    "PLAIN": "plain-value",
    "G_REF": "${PLAIN}/ref",
    "EARLY": "${LATE:-unset}",
    "LATE": "late",
    "PCT": "100% sure",
    "DOLLAR": "$$HOME",
}
ENV_VARS = "PLAIN G_REF EARLY LATE PCT DOLLAR A B D E GREETING"


def nasty_toml() -> str:
    lines = ["[env]"]
    lines += [f"{k} = {toml_str(v)}" for k, v in GLOBAL_ENV.items()]
    for name, commands in NASTY.items():
        lines += ["", f"[tasks.{name}]", f"run = [{', '.join(toml_str(c) for c in commands)}]"]
    lines += [
        "",
        "[tasks.env]",
        "run = "
        + toml_str(
            "printf '[%s]\\n' "
            + " ".join(f'"${v}"' for v in ENV_VARS.split())
            + " | tee out/env.txt"
        ),
    ]
    lines.append("env = { " + ", ".join(f"{k} = {toml_str(v)}" for k, v in ENV_TASK.items()) + " }")
    lines += [
        "",
        "[tasks.incwd]",
        'cwd = "sub"',
        'run = ["basename \\"$(pwd -P)\\" > here.txt", "ls > ../out/listing.txt", "cat here.txt"]',
        'env = { WHERE = "in ${PIPEKIT_TEST_SET:-?}" }',
    ]
    return "\n".join(lines) + "\n"


NASTY_FILES = {"pipeline.toml": nasty_toml(), "out/.keep": "", "sub/keep.txt": "kept\n"}
CALLER = {"PIPEKIT_TEST_SET": "set value", "PIPEKIT_TEST_EMPTY": ""}


@pytest.fixture(scope="module")
def nasty(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = write_project(tmp_path_factory.mktemp("nasty"), NASTY_FILES)
    emit(folder, "makefile")
    return folder


@pytest.mark.parametrize("task", [*NASTY, "env", "incwd"])
def test_make_matches_pipekit_run(nasty: Path, tmp_path: Path, task: str) -> None:
    env = base_env(**CALLER)
    by_pipekit = twin(nasty, tmp_path / "p")
    ran = pipekit(by_pipekit, "run", task, env=env)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    by_make = twin(nasty, tmp_path / "m")
    (by_make / "Makefile").write_bytes((nasty / "Makefile").read_bytes())
    made = make(by_make, task, env=env)
    assert made.returncode == 0, made.stdout
    assert made.stdout.splitlines() == task_output(ran.stdout, task)
    assert snapshot(by_make) == snapshot(by_pipekit)
    assert len(snapshot(by_make)) > len(snapshot(nasty)), "the task wrote no file"


def test_env_values_expand_as_pipekit_documents(nasty: Path, tmp_path: Path) -> None:
    folder = twin(nasty, tmp_path / "m")
    (folder / "Makefile").write_bytes((nasty / "Makefile").read_bytes())
    made = make(folder, "env", env=base_env(**CALLER))
    assert made.stdout.splitlines() == [
        "[plain-value]",
        "[plain-value/ref]",
        "[unset]",  # EARLY reads LATE before [env] sets it: the caller has none
        "[late]",
        "[100% sure]",
        "[$HOME]",
        "[fall back]",
        "[fall back+b]",
        "[set value]",
        '[it\'s "q" $x `y` \\z ~ *]',  # empty in the caller: the default, taken literally
        "[task-]",  # GREETING is not in the caller's environment
    ]


def test_multiline_commands_stay_one_shell_each(nasty: Path) -> None:
    text = (nasty / "Makefile").read_text()
    recipe = text.split("\nheredoc:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert len(recipe) == 2, recipe  # two run entries, two recipe lines
    assert recipe[0].startswith("\t") and "eval $$'cat > out/heredoc.txt <<" in recipe[0]


FAILING = """
[tasks.first]
run = "echo first > first.txt"

[tasks.middle]
deps = ["first"]
run = ["echo one > one.txt", "false", "echo three > three.txt"]

[tasks.script]
run = "echo a > a.txt\\nfalse\\necho b > b.txt"

[tasks.pipe]
run = ["false | cat", "echo after-pipe > pipe.txt"]

[tasks.last]
deps = ["middle"]
run = "echo last > last.txt"
"""


@pytest.mark.parametrize(
    ("task", "kept", "absent"),
    [
        ("last", {"first.txt", "one.txt"}, {"three.txt", "last.txt"}),
        ("script", {"a.txt"}, {"b.txt"}),
        ("pipe", set(), {"pipe.txt"}),
    ],
)
def test_a_failing_command_fails_the_target(
    tmp_path: Path, task: str, kept: set[str], absent: set[str]
) -> None:
    src = write_project(tmp_path / "src", {"pipeline.toml": FAILING})
    emit(src, "makefile")
    by_pipekit = twin(src, tmp_path / "p")
    assert pipekit(by_pipekit, "run", task).returncode == 1
    by_make = twin(src, tmp_path / "m")
    (by_make / "Makefile").write_bytes((src / "Makefile").read_bytes())
    made = make(by_make, task)
    assert made.returncode == 2, made.stdout
    files = set(snapshot(by_make))
    assert kept <= files and not absent & files
    assert files == set(snapshot(by_pipekit))


def random_dag(seed: int, size: int = 14) -> dict[str, list[str]]:
    rng = random.Random(seed)
    names = [f"t{i}" + rng.choice(["", ".x", "-y", "_z"]) for i in range(size)]
    return {
        name: sorted(rng.sample(names[:i], k=min(i, rng.randint(0, 3))))
        for i, name in enumerate(names)
    }


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_every_dependency_is_honoured_under_make_j8(tmp_path: Path, seed: int) -> None:
    dag = random_dag(seed)
    lines = []
    for name, deps in dag.items():
        lines += [
            f'[tasks."{name}"]',
            f"deps = {json.dumps(deps)}",
            f'run = ["echo start {name} >> log.txt", "sleep 0.0{len(deps)}", '
            f'"echo end {name} >> log.txt"]',
        ]
    lines += ["[tasks.all]", f"deps = {json.dumps(list(dag))}"]
    folder = write_project(tmp_path, {"pipeline.toml": "\n".join(lines) + "\n"})
    emit(folder, "makefile")
    for _ in range(12):
        (folder / "log.txt").unlink(missing_ok=True)
        made = make(folder, "-j8", "all")
        assert made.returncode == 0, made.stdout
        log = (folder / "log.txt").read_text().splitlines()
        assert sorted(log) == sorted([f"start {n}" for n in dag] + [f"end {n}" for n in dag])
        for name, deps in dag.items():
            for dep in deps:
                assert log.index(f"end {dep}") < log.index(f"start {name}"), (dep, name, log)


INCREMENTAL = """
[tasks.build]
sources = ["src/**/*.txt", "config.ini"]
outputs = ["build/all.txt"]
run = [
    "mkdir -p build",
    "cat $(find src -name '*.txt' | sort) > build/all.txt",
    "echo ran >> runs.log",
]

[tasks.many]
deps = ["build"]
sources = ["build/all.txt"]
outputs = ["dist/*.part", "dist/index.txt"]
run = [
    "mkdir -p dist",
    "split -l 1 --additional-suffix=.part build/all.txt dist/x",
    "ls dist > dist/index.txt",
    "echo many >> runs.log",
]
"""


def test_make_is_incremental_like_pipekit(tmp_path: Path) -> None:
    folder = write_project(
        tmp_path,
        {"pipeline.toml": INCREMENTAL, "src/a.txt": "a\n", "src/deep/er/b.txt": "b\n"},
    )
    emit(folder, "makefile")
    runs = folder / "runs.log"
    assert make(folder, "many").returncode == 0
    assert runs.read_text() == "ran\nmany\n"
    assert (folder / "dist/xab.part").read_text() == "b\n"
    made = make(folder, "many")
    assert (made.returncode, runs.read_text()) == (0, "ran\nmany\n"), "second make ran again"
    (folder / "src/deep/er/b.txt").write_text("b2\n")  # a source two folders deep
    assert make(folder, "many").returncode == 0
    assert runs.read_text() == "ran\nmany\nran\nmany\n"
    (folder / "dist/index.txt").unlink()  # a missing output of the task with a glob output
    assert make(folder, "many").returncode == 0
    assert runs.read_text() == "ran\nmany\nran\nmany\nmany\n"
    for part in (folder / "dist").glob("*.part"):  # nothing left that the glob matches
        part.unlink()
    assert make(folder, "many").returncode == 0
    assert runs.read_text() == "ran\nmany\nran\nmany\nmany\nmany\n"
    assert (folder / "dist/xaa.part").exists()


COLLIDING = """
[pipeline]
default = "use"

[tasks.gen]
outputs = ["data.txt"]
run = "echo generated > data.txt"

[tasks."data.txt"]
run = "echo phony-ran >> phony.log"

[tasks.Makefile]
run = "echo makefile-task >> phony.log"

[tasks.use]
deps = ["gen", "Makefile"]
sources = ["data.txt"]
outputs = ["use.txt"]
run = "cp data.txt use.txt"
"""


def test_task_names_cannot_change_the_makefiles_meaning(tmp_path: Path) -> None:
    folder = write_project(tmp_path, {"pipeline.toml": COLLIDING})
    text = emit(folder, "makefile")
    assert "\ntask-data.txt:\n" in text and "\ntask-Makefile:\n" in text
    made = make(folder)
    assert made.returncode == 0, made.stdout
    assert (folder / "use.txt").read_text() == "generated\n"
    assert (folder / "phony.log").read_text() == "makefile-task\n"  # data.txt's task: not run
    assert make(folder, "task-data.txt").returncode == 0
    assert (folder / "phony.log").read_text() == "makefile-task\nphony-ran\n"


def test_hello_make_targets_match_pipekit_run(tmp_path: Path) -> None:
    """The tutorial's lint, test and format, by make and by pipekit (install is skipped:
    the dev venv already has the tools, and pip must not change it)."""
    src = EXAMPLES / "hello"
    makefile = (src / "Makefile").read_bytes()
    for task in ("lint", "test", "format"):
        folder = twin(src, tmp_path / "hello")
        env = base_env(PYLINTHOME=str(tmp_path / f"pylint-p-{task}"))
        ran = pipekit(folder, "run", "--no-deps", task, env=env)
        assert ran.returncode == 0, ran.stdout + ran.stderr
        want = normalise(task_output(ran.stdout, task)), snapshot(folder)
        folder = twin(src, tmp_path / "hello")
        (folder / "Makefile").write_bytes(makefile)
        env = base_env(PYLINTHOME=str(tmp_path / f"pylint-m-{task}"))
        made = make(folder, "-o", "install", task, env=env)
        assert made.returncode == 0, made.stdout
        got = normalise(made.stdout.splitlines()), snapshot(folder)
        assert got == want
        assert re.search(r"\S", made.stdout)
