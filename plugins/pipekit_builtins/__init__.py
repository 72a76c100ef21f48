"""pipekit's built-in plugins.

Each module is a plugin registered through the ``pipekit`` entry-point group, exactly as a
third party's would be; the core imports none of them.
"""
