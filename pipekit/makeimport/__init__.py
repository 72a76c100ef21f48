"""``pipekit import``: a Makefile, read by GNU make itself, translated into pipeline.toml."""

from __future__ import annotations

from pipekit.makeimport.translate import ImportedTask, Translation

__all__ = ["ImportedTask", "Translation", "import_makefile"]


def import_makefile(makefile: str, workdir: str, base: str = ".") -> Translation:
    """Read ``makefile`` (relative to ``workdir``, where make runs) and translate it.

    ``base`` is ``workdir`` as seen from the folder pipeline.toml will be written to.
    """
    from pipekit.makeimport import makerun, translate

    reading = makerun.read(makefile, workdir)
    return translate.translate(reading, makefile, workdir, base)
