"""Includes (issue 15): ``[pipeline] include`` joins the pipeline.toml of each part of a
monorepo into one tree of ``NAMESPACE:TASK`` tasks, run, listed and checked from the root;
every mistake is reported at the file and line that make it."""

from __future__ import annotations

import pytest
from helpers_emit import task_output

from pipekit.testing import Project

ROOT = """\
[pipeline]
include = ["ml/pipeline.toml", "web"]

[env]
WHO = "root"
SHARED = "from-root"

[tasks.lint]
run = "echo lint in $PWD"

[tasks.all]
deps = ["ml:train", "web:build"]
run = "echo all"
"""

ML = """\
[pipeline]
include = ["data/pipeline.toml"]
default = "train"

[env]
WHO = "ml"

[tasks.train]
deps = ["data:fetch", ":lint"]
sources = ["train.py"]
outputs = ["model.bin"]
run = "echo trained by $WHO > model.bin; echo train in $PWD with $SHARED"
"""

DATA = """\
[tasks.fetch]
run = "echo fetch in $PWD for $WHO"
"""

WEB = """\
[tasks.build]
env = { WHO = "web-task" }
run = "echo build in $PWD by $WHO"
"""


@pytest.fixture
def tree(project: Project) -> Project:
    return project.write(
        {
            "pipeline.toml": ROOT,
            "ml/pipeline.toml": ML,
            "ml/train.py": "print('train')\n",
            "ml/data/pipeline.toml": DATA,
            "web/pipeline.toml": WEB,
        }
    )


def test_included_tasks_run_in_their_own_folder_with_their_files_env(tree: Project) -> None:
    result = tree.run("run", "all").assert_ok()
    root = tree.path
    assert task_output(result.stdout, "lint") == [f"lint in {root}"]
    assert task_output(result.stdout, "ml:data:fetch") == [f"fetch in {root}/ml/data for ml"]
    assert task_output(result.stdout, "ml:train") == [f"train in {root}/ml with from-root"]
    assert task_output(result.stdout, "web:build") == [f"build in {root}/web by web-task"]
    assert tree.read("ml/model.bin") == "trained by ml\n"  # outputs: relative to ml/
    assert (root / ".pipekit").is_dir()  # one state, the root's
    assert not (root / "ml" / ".pipekit").exists()


def test_sources_and_outputs_of_an_included_file_are_relative_to_it(tree: Project) -> None:
    tree.run("run", "ml:train").assert_ok()
    again = tree.run("run", "ml:train").assert_ok()
    assert "[ml:train] $" not in again.stdout  # up to date
    tree.write("ml/train.py", "print('changed')\n")
    assert "[ml:train] $ echo" in tree.run("run", "ml:train").assert_ok().stdout


def test_a_namespace_runs_its_files_default(tree: Project) -> None:
    result = tree.run("run", "ml").assert_ok()
    assert task_output(result.stdout, "ml:train")
    assert "[web:build]" not in result.stdout
    nested = tree.run("run", "ml:data").assert_ok()
    assert task_output(nested.stdout, "ml:data:fetch") and "[ml:train]" not in nested.stdout


def test_list_shows_the_tree_grouped_by_file(tree: Project) -> None:
    result = tree.run("list").assert_ok()
    w = len("ml:data:fetch")
    assert result.stdout.splitlines() == [
        f"{'lint':{w}}   (default)",  # no description: the mark after it
        "all",
        "",
        "ml/pipeline.toml:",
        f"{'ml':{w}}  runs this file's default: ml:train",
        "ml:train",
        "",
        "ml/data/pipeline.toml:",
        f"{'ml:data':{w}}  runs this file's default: ml:data:fetch",
        "ml:data:fetch",
        "",
        "web/pipeline.toml:",
        f"{'web':{w}}  runs this file's default: web:build",
        "web:build",
    ]


def test_a_private_task_of_an_included_file_is_hidden_from_list(project: Project) -> None:
    project.write(
        {
            "pipeline.toml": '[pipeline]\ninclude = ["ml"]\n',
            "ml/pipeline.toml": '[tasks.train]\ndeps = ["_prep"]\nrun = "echo train"\n'
            '[tasks._prep]\nrun = "echo prep"\n',
        }
    )
    listed = project.run("list").assert_ok().stdout
    assert "ml:train" in listed and "_prep" not in listed
    assert "ml:_prep" in project.run("list", "--all").assert_ok().stdout
    assert task_output(project.run("run", "ml:train").assert_ok().stdout, "ml:_prep") == ["prep"]


def test_graph_explain_and_dry_run_take_full_names(tree: Project) -> None:
    graph = tree.run("graph", "ml:train").assert_ok()
    assert graph.stdout.splitlines() == ["ml:train", "├── ml:data:fetch", "└── lint"]
    dry = tree.run("run", "-n", "ml:train").assert_ok()
    dry.stdout.fnmatch_lines(["would run ml:data:fetch*", "would run ml:train*"])
    assert not (tree.path / "ml" / "model.bin").exists()
    tree.run("explain", "ml:train").assert_ok().stdout.fnmatch_lines(["*ml:train*"])


def test_an_unknown_full_name_on_the_command_line_gets_a_suggestion(tree: Project) -> None:
    result = tree.run("run", "ml:trian")
    result.assert_error("no task named 'ml:trian'; did you mean 'ml:train'?")


def test_editing_an_included_file_is_seen_by_the_next_run(tree: Project) -> None:
    """The validated-pipeline cache keys on every file of the tree, not only the root."""
    tree.run("run", "web:build").assert_ok()
    tree.run("run", "web:build").assert_ok()  # served from the cache
    tree.write("web/pipeline.toml", WEB.replace("echo build", "echo BUILT"))
    result = tree.run("run", "web:build").assert_ok()
    assert task_output(result.stdout, "web:build") == [f"BUILT in {tree.path}/web by web-task"]
    tree.write("ml/data/pipeline.toml", DATA.replace("fetch", "get"))  # two levels down
    tree.run("run", "ml:train").assert_error(
        "ml/pipeline.toml:9:1: task 'ml:train' depends on unknown task 'data:fetch' "
        "(read as 'ml:data:fetch'); did you mean 'data:get'?"
    )


def test_the_table_form_chooses_the_namespace(project: Project) -> None:
    project.write(
        {
            "pipeline.toml": '[pipeline]\ninclude = { learn = "ml" }\n'
            '[tasks.top]\ndeps = ["learn:fit"]\nrun = "echo top"\n',
            "ml/pipeline.toml": '[tasks.fit]\nrun = "echo fit in $PWD"\n',
        }
    )
    result = project.run("run", "top").assert_ok()
    assert task_output(result.stdout, "learn:fit") == [f"fit in {project.path}/ml"]


def test_a_root_of_includes_only_runs_the_first_includes_default(project: Project) -> None:
    project.write(
        {
            "pipeline.toml": '[pipeline]\ninclude = ["a", "b"]\n',
            "a/pipeline.toml": '[tasks.x]\nrun = "echo x"\n',
            "b/pipeline.toml": '[tasks.y]\nrun = "echo y"\n',
        }
    )
    result = project.run("run").assert_ok()
    assert task_output(result.stdout, "a:x") == ["x"] and "[b:y]" not in result.stdout


def test_an_included_files_plugins_and_computed_env_are_relative_to_it(
    project: Project,
) -> None:
    project.write(
        {
            "pipeline.toml": '[pipeline]\ninclude = ["ml"]\n',
            "ml/pipeline.toml": '[pipeline]\nplugins = ["steps.py"]\n'
            '[env]\nVERSION = { sh = "cat VERSION" }\n'
            '[tasks.show]\nrun = "echo version $VERSION"\n',
            "ml/VERSION": "1.2.3\n",
            "ml/steps.py": '"""A local plugin of the ml part (no hooks)."""\n',
        }
    )
    result = project.run("run", "ml:show").assert_ok()
    assert task_output(result.stdout, "ml:show") == ["version 1.2.3"]
    project.run("plugins").assert_ok().stdout.fnmatch_lines(["*steps*"])


# -- bad input: exit 2, the right file and line, no traceback ---------------------------

ERRORS = [
    (
        "missing",
        {"pipeline.toml": '[pipeline]\ninclude = ["nope/pipeline.toml"]\n'},
        "pipeline.toml:2:1: include 'nope/pipeline.toml': no such file (nope/pipeline.toml)\n"
        "  hint: paths in 'include' are relative to the folder of the file that includes\n",
    ),
    (
        "itself",
        {"pipeline.toml": '[pipeline]\ninclude = ["."]\n[tasks.a]\nrun = "true"\n'},
        "pipeline.toml:2:1: include '.': the file includes itself\n"
        "  hint: remove it from 'include'\n",
    ),
    (
        "cycle",
        {
            "pipeline.toml": '[pipeline]\ninclude = ["a"]\n',
            "a/pipeline.toml": '[pipeline]\ninclude = ["../b"]\n[tasks.x]\nrun = "true"\n',
            "b/pipeline.toml": '[pipeline]\ninclude = ["../a"]\n[tasks.y]\nrun = "true"\n',
        },
        "b/pipeline.toml:2:1: include cycle: a/pipeline.toml -> b/pipeline.toml -> "
        "a/pipeline.toml\n"
        "  hint: a file can be included once, by a file above it: remove one of these includes\n",
    ),
    (
        "outside",
        {"pipeline.toml": '[pipeline]\ninclude = ["../other/pipeline.toml"]\n'},
        "pipeline.toml:2:1: include '../other/pipeline.toml' is outside the project folder\n"
        "  hint: include files under the root pipeline.toml's folder, by a relative path "
        "without '..' leaving it; a project outside is a project of its own\n",
    ),
    (
        "outside-from-included",
        {
            "pipeline.toml": '[pipeline]\ninclude = ["a"]\n',
            "a/pipeline.toml": '[pipeline]\ninclude = ["../../x"]\n[tasks.x]\nrun = "true"\n',
        },
        "a/pipeline.toml:2:1: include '../../x' is outside the project folder\n"
        "  hint: include files under the root pipeline.toml's folder, by a relative path "
        "without '..' leaving it; a project outside is a project of its own\n",
    ),
    (
        "twice",
        {
            "pipeline.toml": '[pipeline]\ninclude = { a = "a", b = "a/pipeline.toml" }\n',
            "a/pipeline.toml": '[tasks.x]\nrun = "true"\n',
        },
        "pipeline.toml:2:22: include 'a/pipeline.toml': the file is already included, as "
        "namespace 'a'\n"
        "  hint: include a file once, and depend on its tasks by their full names\n",
    ),
    (
        "namespace-twice",
        {
            "pipeline.toml": '[pipeline]\ninclude = ["a", "c/a"]\n',
            "a/pipeline.toml": '[tasks.x]\nrun = "true"\n',
            "c/a/pipeline.toml": '[tasks.x]\nrun = "true"\n',
        },
        "pipeline.toml:2:1: namespace 'a' is taken twice: by include 'a' and include 'c/a'\n"
        '  hint: choose another namespace with the table form: include = { NAME = "c/a" }\n',
    ),
    (
        "namespace-is-a-task",
        {
            "pipeline.toml": '[pipeline]\ninclude = { a = "a" }\n[tasks.a]\nrun = "true"\n',
            "a/pipeline.toml": '[tasks.x]\nrun = "true"\n',
        },
        "pipeline.toml:2:13: namespace 'a' of include 'a' is also the name of task 'a' in this "
        "file\n"
        '  hint: rename the task, or choose another namespace: include = { NAME = "a" }\n',
    ),
    (
        "same-folder",
        {
            "pipeline.toml": '[pipeline]\ninclude = ["other.toml"]\n',
            "other.toml": '[tasks.x]\nrun = "true"\n',
        },
        "pipeline.toml:2:1: include 'other.toml' is in this file's own folder: its folder "
        "gives it no namespace\n"
        '  hint: name its namespace with the table form: include = { NAME = "other.toml" }\n',
    ),
    (
        "bad-key-inside",
        {
            "pipeline.toml": '[pipeline]\ninclude = ["ml"]\n[tasks.a]\nrun = "true"\n',
            "ml/pipeline.toml": '[tasks.train]\nrun = "true"\ndep = ["x"]\n',
        },
        "ml/pipeline.toml:3:1: unknown key 'dep' in task 'train'; did you mean 'deps'?\n",
    ),
    (
        "bad-toml-inside",
        {
            "pipeline.toml": '[pipeline]\ninclude = ["ml"]\n[tasks.a]\nrun = "true"\n',
            "ml/pipeline.toml": "[tasks.train]\nrun =\n",
        },
        "ml/pipeline.toml:2:6: invalid TOML: invalid value\n"
        '  hint: see https://toml.io for the syntax; strings need quotes, e.g. run = "make"\n',
    ),
    (
        "plugin-missing-inside",
        {
            "pipeline.toml": '[pipeline]\ninclude = ["ml"]\n',
            "ml/pipeline.toml": '[pipeline]\nplugins = ["nope.py"]\n[tasks.x]\nrun = "true"\n',
        },
        "ml/pipeline.toml:2:1: plugin file 'nope.py' does not exist\n"
        "  hint: paths in [pipeline].plugins are relative to the file that names them\n",
    ),
    (
        "with-option-inside",
        {
            "pipeline.toml": '[pipeline]\ninclude = ["ml"]\n',
            "ml/pipeline.toml": '[tasks.lint]\nuses = "lint"\nwith = { tol = "ruff" }\n',
        },
        "ml/pipeline.toml:3:10: task 'ml:lint': unknown option 'tol' for step kind 'lint'\n"
        "  hint: did you mean 'tool'?\n",
    ),
    (
        "unknown-dep-across",
        {
            "pipeline.toml": '[pipeline]\ninclude = ["ml", "web"]\n',
            "ml/pipeline.toml": '[tasks.train]\nrun = "true"\ndeps = ["web:site"]\n',
            "web/pipeline.toml": '[tasks.site]\nrun = "true"\n',
        },
        "ml/pipeline.toml:3:1: task 'ml:train' depends on unknown task 'web:site' (read as "
        "'ml:web:site'); did you mean ':web:site'?\n",
    ),
    (
        "unknown-dep-from-root",
        {
            "pipeline.toml": '[pipeline]\ninclude = ["ml"]\n[tasks.a]\ndeps = ["ml:trian"]\n',
            "ml/pipeline.toml": '[tasks.train]\nrun = "true"\n',
        },
        "pipeline.toml:4:1: task 'a' depends on unknown task 'ml:trian'; did you mean "
        "'ml:train'?\n",
    ),
    (
        "cycle-across-files",
        {
            "pipeline.toml": '[pipeline]\ninclude = ["ml"]\n[tasks.top]\ndeps = ["ml:x"]\n',
            "ml/pipeline.toml": '[tasks.x]\nrun = "true"\ndeps = [":top"]\n',
        },
        "pipeline.toml:4:1: dependency cycle: top -> ml:x -> top\n"
        "  hint: remove one of these deps so that no task depends on itself\n",
    ),
    (
        "table-in-included",
        {
            "pipeline.toml": '[pipeline]\ninclude = ["ml"]\n',
            "ml/pipeline.toml": '[ci]\nrunner = "x"\n[tasks.x]\nrun = "true"\n',
        },
        "ml/pipeline.toml:1:1: table [ci] in an included file: only the root pipeline.toml's "
        "is read\n"
        "  hint: move [ci] to the root pipeline.toml; an included file holds [pipeline], "
        "[env] and [tasks]\n",
    ),
    (
        "user-name-with-colon",
        {"pipeline.toml": '[tasks."ml:x"]\nrun = "true"\n'},
        "pipeline.toml:1:1: bad task name 'ml:x'\n"
        "  hint: use letters, digits, '_', '-' and '.', starting with a letter, digit or '_'\n",
    ),
    (
        "default-unknown",
        {
            "pipeline.toml": '[pipeline]\ninclude = ["ml"]\ndefault = "ml:zz"\n',
            "ml/pipeline.toml": '[tasks.train]\nrun = "true"\n',
        },
        "pipeline.toml:3:1: 'default' in [pipeline] names unknown task 'ml:zz'\n"
        "  hint: names are relative to the file's namespace; a leading ':' starts from the "
        "root pipeline.toml (':lint', ':web:build'); tasks: ml, ml:train\n",
    ),
]


@pytest.mark.parametrize(("files", "expected"), [c[1:] for c in ERRORS], ids=[c[0] for c in ERRORS])
def test_bad_includes_are_reported_at_the_right_file(
    project: Project, files: dict[str, str], expected: str
) -> None:
    project.write(files)
    for command in (("check",), ("run",)):
        result = project.run(*command)
        assert result.exit_code == 2, result
        assert result.stderr == expected


def test_a_link_out_of_the_project_is_refused(
    project: Project, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (outside / "pipeline.toml").write_text('[tasks.x]\nrun = "true"\n')
    project.write("pipeline.toml", '[pipeline]\ninclude = ["ext"]\n')
    (project.path / "ext").symlink_to(outside)
    project.run("check").assert_error(
        "pipeline.toml:2:1: include 'ext' is outside the project folder (through a link)"
    )
