"""What plugins meet and how they are loaded: hook specs, step kinds, emitters,
the plugin manager and the resolution of `uses` steps into commands."""
