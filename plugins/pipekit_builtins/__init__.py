"""pipekit's built-in plugins: each module is a plugin registered through the `pipekit` entry-point group, exactly as a third party's would be."""
