"""Every plugin-author mistake of issue 13, one test each: one attributed error (plugin,
origin, hook or step kind, what was expected, what came), exit 2, never pipekit's own
traceback; ``-v`` adds the plugin's."""

from __future__ import annotations

from helpers_plugins import GREET_PIPELINE, GREET_PLUGIN, env

EXPAND = 'return [Command(["echo", word, options.name, *options.extra])] * options.times'


def greet(pipekit_project, plugin: str, pipeline: str = GREET_PIPELINE, **files: str):
    return pipekit_project({"pipeline.toml": pipeline, "greet.py": plugin, **files}, env=env())


def refused(result, message: str) -> None:
    """Exit 2, ``message`` as a line of stderr, and no traceback."""
    assert result.exit_code == 2, result
    assert message in result.stderr.splitlines(), result
    assert "Traceback" not in result.stderr, result


def with_method(body: str, method: str = "expand") -> str:
    """GREET_PLUGIN with a step kind method whose body is ``body``."""
    return GREET_PLUGIN.replace(
        "    def expand(self, options, ctx):\n",
        f"    def {method}(self, options, ctx):\n        {body}\n\n"
        "    def expand(self, options, ctx):\n",
    )


def test_options_class_that_is_not_a_dataclass(pipekit_project):
    plugin = GREET_PLUGIN.replace("@dataclass(frozen=True, slots=True, kw_only=True)\n", "")
    refused(
        greet(pipekit_project, plugin).run("run", "hi"),
        "pipekit: error: plugin 'greet' (greet.py) registered step kind 'greet', but the "
        "options of step kind 'greet' must be a dataclass (@dataclass(frozen=True) class ...), "
        "not <class 'pipekit_local_greet.GreetOptions'>",
    )


def test_option_type_pipekit_cannot_read_is_rejected_at_registration(pipekit_project):
    plugin = GREET_PLUGIN.replace(
        "extra: tuple[str, ...] = ()", "extra: frozenset[str] = frozenset()"
    )
    plugin = plugin.replace("*options.extra", "*sorted(options.extra)")
    refused(
        greet(pipekit_project, plugin).run("check"),
        "pipekit: error: plugin 'greet' (greet.py) registered step kind 'greet', but option "
        "'extra' of the options of step kind 'greet' GreetOptions has the type frozenset, which "
        "pipekit cannot read from TOML; supported: str, int, float, bool, pathlib.Path, "
        "Literal[...], tuple[T, ...] or list[T] of str/int/float/bool/Path, dict[str, str], "
        "Any, and X | None of these",
    )


def test_list_of_int_options_are_integers(pipekit_project):
    plugin = GREET_PLUGIN.replace(
        "extra: tuple[str, ...] = ()", "extra: list[int] = dataclasses.field(default_factory=list)"
    ).replace(
        "from dataclasses import dataclass", "import dataclasses\nfrom dataclasses import dataclass"
    )
    plugin = plugin.replace("*options.extra", "*[str(n * 2) for n in options.extra]")
    pipeline = GREET_PIPELINE.replace('{ name = "world" }', '{ name = "w", extra = [1, 2] }')
    project = greet(pipekit_project, plugin, pipeline)
    assert "hello w 2 4" in project.run("run", "hi").assert_ok().stdout
    project.write({"pipeline.toml": pipeline.replace("[1, 2]", '["1"]')})
    project.run("run", "hi").assert_error(
        "pipeline.toml:6:22: task 'hi': option 'extra' of step kind 'greet' must be "
        "a list of integers, not an array\n"
    )


def test_a_path_option_takes_the_users_string(pipekit_project):
    plugin = GREET_PLUGIN.replace(
        "    extra: tuple[str, ...] = ()\n",
        "    extra: tuple[str, ...] = ()\n    out: Path | None = None\n",
    ).replace("from typing import Literal", "from pathlib import Path\nfrom typing import Literal")
    plugin = plugin.replace(
        "*options.extra", "*options.extra, str(options.out.with_suffix('.txt'))"
    )
    pipeline = GREET_PIPELINE.replace('{ name = "world" }', '{ name = "w", out = "dist/x" }')
    result = greet(pipekit_project, plugin, pipeline).run("run", "hi").assert_ok()
    assert "hello w dist/x.txt" in result.stdout


def test_call_args_that_are_not_json(pipekit_project):
    plugin = GREET_PLUGIN.replace(EXPAND, "return [Command(call='greet:go', args={'at': object})]")
    refused(
        greet(pipekit_project, plugin).run("run", "hi"),
        "pipekit: error: plugin 'greet' (greet.py) returned malformed data in step kind 'greet' "
        "for task 'hi': the args of Command(call='greet:go') must be JSON data: "
        "Object of type type is not JSON serializable",
    )


def test_sources_returning_a_bare_string(pipekit_project):
    project = greet(pipekit_project, with_method("return 'src/app.py'", "sources"))
    refused(
        project.run("run", "hi"),
        "pipekit: error: plugin 'greet' (greet.py) returned malformed data in step kind 'greet' "
        "for task 'hi': sources() must return a list of paths, not the string 'src/app.py'",
    )


def test_outputs_returning_the_root_folder(pipekit_project):
    project = greet(pipekit_project, with_method("return ['/']", "outputs"))
    refused(
        project.run("run", "hi"),
        "pipekit: error: plugin 'greet' (greet.py) returned malformed data in step kind 'greet' "
        "for task 'hi': outputs() returned '/', an absolute path: paths are relative to the "
        "pipeline's folder",
    )


def test_sources_returning_something_that_is_not_a_string(pipekit_project):
    project = greet(pipekit_project, with_method("return [3]", "sources"))
    refused(
        project.run("run", "hi"),
        "pipekit: error: plugin 'greet' (greet.py) returned malformed data in step kind 'greet' "
        "for task 'hi': sources() returned 3, not a path (a non-empty string)",
    )


def test_expand_returning_a_string(pipekit_project):
    plugin = GREET_PLUGIN.replace(EXPAND, "return 'echo hi'")
    refused(
        greet(pipekit_project, plugin).run("run", "hi"),
        "pipekit: error: plugin 'greet' (greet.py) returned malformed data in step kind 'greet' "
        "for task 'hi': expand() must return a list of pipekit.Command, not 'echo hi'",
    )


def test_expand_returning_none_in_the_list(pipekit_project):
    plugin = GREET_PLUGIN.replace(EXPAND, "return [None]")
    refused(
        greet(pipekit_project, plugin).run("run", "hi"),
        "pipekit: error: plugin 'greet' (greet.py) returned malformed data in step kind 'greet' "
        "for task 'hi': expand() returned None, not a pipekit.Command",
    )


def test_a_hook_without_hookimpl(pipekit_project):
    plugin = GREET_PLUGIN.replace("@hookimpl\n", "")
    refused(
        greet(pipekit_project, plugin).run("run", "hi"),
        "pipekit: error: plugin 'greet' (greet.py) defines pipekit_register_step_kinds without "
        "@pipekit.hookimpl, so it would never be called",
    )


def test_a_registration_hook_returning_a_list(pipekit_project):
    plugin = GREET_PLUGIN.replace("    registry.add(Greet())", "    return [Greet()]")
    refused(
        greet(pipekit_project, plugin).run("run", "hi"),
        "pipekit: error: plugin 'greet' (greet.py) returned a value from "
        "pipekit_register_step_kinds instead of calling registry.add()",
    )


EMITS = """\
from pipekit import hookimpl


@hookimpl
def pipekit_emit_task(emitter, task):
    {body}
"""


def test_emit_task_raising_names_the_plugin(pipekit_project):
    plugin = EMITS.format(body="raise RuntimeError('no template')")
    pipeline = GREET_PIPELINE.replace('"greet.py"', '"greet.py", "render.py"')
    project = greet(pipekit_project, GREET_PLUGIN, pipeline, **{"render.py": plugin})
    refused(
        project.run("emit", "makefile", "--stdout"),
        "pipekit: error: plugin 'render' (render.py) raised RuntimeError in pipekit_emit_task "
        "for task 'hi': no template",
    )


def test_malformed_workflow_steps_are_refused_and_named(pipekit_project):
    plugin = EMITS.format(
        body="return [{'name': 'x', 'runs': 'echo hi'}] if emitter == 'github' else None"
    )
    pipeline = GREET_PIPELINE.replace('"greet.py"', '"greet.py", "render.py"')
    project = greet(pipekit_project, GREET_PLUGIN, pipeline, **{"render.py": plugin})
    refused(
        project.run("emit", "github", "--stdout"),
        "pipekit: error: plugin 'render' (render.py) returned malformed data in "
        "pipekit_emit_task for task 'hi': the step {'name': 'x', 'runs': 'echo hi'} has the "
        "unknown key 'runs'",
    )


OBSERVER = """\
import sys

from pipekit import hookimpl


@hookimpl
def {hook}({args}):
    {body}
"""


def observer(pipekit_project, hook: str, args: str, body: str, run: str = "false"):
    pipeline = (
        f'[pipeline]\nplugins = ["obs.py"]\n\n[tasks.t]\nrun = "{run}"\nsources = ["in.txt"]\n'
    )
    code = OBSERVER.format(hook=hook, args=args, body=body)
    return pipekit_project({"pipeline.toml": pipeline, "obs.py": code, "in.txt": "x"}, env=env())


def test_sys_exit_0_after_a_failed_task_cannot_make_the_run_succeed(pipekit_project):
    project = observer(pipekit_project, "pipekit_after_task", "task", "sys.exit(0)")
    result = project.run("run")
    refused(
        result,
        "pipekit: error: plugin 'obs' (obs.py) called sys.exit(0) in pipekit_after_task for "
        "task 't'; a plugin must raise an exception (or pipekit.StepFailed in step code) instead",
    )
    assert "[t] FAILED: exited with status 1" in result.stdout


def test_sys_exit_0_at_import_is_a_broken_plugin(pipekit_project):
    project = pipekit_project(
        {
            "pipeline.toml": '[pipeline]\nplugins = ["obs.py"]\n\n[tasks.t]\nrun = "echo ran"\n',
            "obs.py": "import sys\nsys.exit(0)\n",
        },
        env=env(),
    )
    result = project.run("run")
    refused(result, "pipekit: error: plugin 'obs' (obs.py) called sys.exit(0) while being imported")
    assert "ran" not in result.stdout


def test_a_raise_in_before_task_fails_the_task_and_records_nothing(pipekit_project):
    body = "if open('fail').read() == 'yes':\n        raise RuntimeError('not today')"
    project = observer(pipekit_project, "pipekit_before_task", "task", body, run="echo ran")
    project.write({"fail": "yes"})
    result = project.run("run")
    refused(
        result,
        "pipekit: error: plugin 'obs' (obs.py) raised RuntimeError in pipekit_before_task for "
        "task 't': not today",
    )
    assert "[t] FAILED: not started: a plugin failed before it" in result.stdout
    project.write({"fail": "no"})
    again = project.run("run").assert_ok()
    assert "[t] ran" in again.stdout  # not recorded as up to date by the refused run


def test_verbose_adds_the_plugins_traceback(pipekit_project):
    plugin = GREET_PLUGIN.replace(EXPAND, "raise LookupError('no greeting')")
    result = greet(pipekit_project, plugin).run("-v", "run", "hi")
    assert result.exit_code == 2
    assert "Traceback" in result.stderr
    assert "raise LookupError('no greeting')" in result.stderr
    assert result.stderr.endswith(
        "pipekit: error: plugin 'greet' (greet.py) raised LookupError in step kind 'greet' "
        "for task 'hi': no greeting\n"
        "  hint: run with -v for the traceback; disable the plugin with "
        "PIPEKIT_DISABLE_PLUGINS=greet\n"
    )


def test_an_emitter_whose_render_raises_is_named(pipekit_project):
    plugin = """\
from pipekit import Emitter, hookimpl


class Broken(Emitter):
    name = "broken"
    default_path = "broken.txt"

    def render(self, plan):
        return None if plan.tasks else 1 / 0


@hookimpl
def pipekit_register_emitters(registry):
    registry.add(Broken())
"""
    pipeline = '[pipeline]\nplugins = ["em.py"]\n\n[tasks.t]\nrun = "true"\n'
    project = pipekit_project({"pipeline.toml": pipeline, "em.py": plugin}, env=env())
    refused(
        project.run("emit", "broken", "--stdout"),
        "pipekit: error: plugin 'em' (em.py) returned malformed data in emitter 'broken' "
        "render(): render() must return str, not <class 'NoneType'>",
    )
