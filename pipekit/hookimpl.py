"""The marker plugins put on their hook implementations: ``@pipekit.hookimpl``."""

from __future__ import annotations

import pluggy

hookimpl = pluggy.HookimplMarker("pipekit")
