"""Attribution: which plugin a failure, a registration or a bad value belongs to.

pluggy calls the hooks (``pm.hook.NAME(...)``), so a raise reaches pipekit from inside
pluggy's call loop. The culprit is the innermost frame, in the traceback or on the stack,
that runs one of the hook's implementations (wrappers included); its plugin is then named
with its distribution and version.
"""

from __future__ import annotations

from pipekit.errors import PipekitError, PluginError
from pipekit.plugin.entrypoints import DISABLE_ENV

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Iterable
    from types import FrameType, TracebackType
    from typing import Any

    import pluggy


class PluginInfo:
    """Where a plugin came from: ``source`` is "entry point", "file" or "code"."""

    __slots__ = (
        "disabled",
        "dist",
        "error",
        "module",
        "name",
        "path",
        "provides",
        "rank",
        "source",
        "value",
        "version",
    )

    def __init__(
        self,
        name: str,
        source: str,
        *,
        value: str = "",
        dist: str | None = None,
        version: str | None = None,
        path: str | None = None,
    ) -> None:
        self.name = name
        self.source = source
        self.value = value
        self.dist = dist
        self.version = version
        self.path = path
        self.module: Any = None  # None until imported (plugins load lazily)
        self.error: PluginError | None = None
        self.disabled = False  # blocked by PIPEKIT_DISABLE_PLUGINS
        #: what it registered when last loaded (see provides.py), None when never seen
        self.provides: Any = None
        self.rank = 0  # its place in registration order (entry points, code, local files)

    @property
    def label(self) -> str:
        """ "plugin 'lint' (pipekit 0.1.0)": how messages name this plugin."""
        if self.dist:
            return f"plugin '{self.name}' ({self.dist} {self.version})"
        return f"plugin '{self.name}' ({self.path or self.source})"

    def error_for(
        self, message: str, *, hook: str | None, hint: str | None = None, tb: str | None = None
    ) -> PluginError:
        """A PluginError naming this plugin, its distribution and ``hook``."""
        return PluginError(
            f"{self.label} {message}",
            plugin=self.name,
            dist=self.dist,
            hook=hook,
            hint=hint,
            traceback_text=tb,
        )


UNKNOWN = PluginInfo("<unknown>", "code")
UNKNOWN.rank = 1 << 30


def _impl_codes(impls: Iterable[pluggy.HookImpl]) -> dict[Any, str]:
    """Code object -> plugin name, for every implementation (and what it wraps)."""
    codes: dict[Any, str] = {}
    for impl in impls:
        func: Any = impl.function
        while func is not None:
            code = getattr(func, "__code__", None)
            if code is not None:
                codes[code] = impl.plugin_name
            func = getattr(func, "__wrapped__", None)
    return codes


def culprit_in_traceback(tb: TracebackType | None, impls: Iterable[pluggy.HookImpl]) -> str | None:
    """The plugin whose implementation is the innermost one in ``tb`` (None: none is)."""
    codes = _impl_codes(impls)
    found = None
    while tb is not None:
        name = codes.get(tb.tb_frame.f_code)
        if name is not None:
            found = name
        tb = tb.tb_next
    return found


def culprit_on_stack(frame: FrameType | None, impls: Iterable[pluggy.HookImpl]) -> str | None:
    """The plugin whose implementation is the innermost caller on the stack at ``frame``."""
    codes = _impl_codes(impls)
    while frame is not None:
        name = codes.get(frame.f_code)
        if name is not None:
            return name
        frame = frame.f_back
    return None


def failure(info: PluginInfo, where: str, exc: BaseException) -> PipekitError:
    """The error for a plugin that raised ``exc`` in ``where`` (a hook, "step kind 'x' ...").

    A PipekitError the plugin raised on purpose passes through unchanged; ``sys.exit()`` in
    plugin code is a broken plugin, never pipekit's exit status.
    """
    if isinstance(exc, PipekitError):
        return exc
    import traceback

    tb = "".join(traceback.format_exception(exc))
    hint = f"run with -v for the traceback; disable the plugin with {DISABLE_ENV}={info.name}"
    if isinstance(exc, SystemExit):
        return info.error_for(
            f"called sys.exit({exc.code!r}) in {where}; a plugin must raise an exception "
            "(or pipekit.StepFailed in step code) instead",
            hook=where,
            hint=hint,
            tb=tb,
        )
    return info.error_for(
        f"raised {type(exc).__name__} in {where}: {exc}", hook=where, hint=hint, tb=tb
    )


def malformed(info: PluginInfo, where: str, problem: str) -> PluginError:
    """The error for a plugin whose ``where`` returned data of the wrong shape."""
    return info.error_for(
        f"returned malformed data in {where}: {problem}",
        hook=where,
        hint="this is a bug in the plugin; report it to its authors",
    )


def shown(value: object) -> str:
    """``repr(value)``, cut short for a message."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
