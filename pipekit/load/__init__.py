"""pipeline.toml in: finding, reading, validating and caching the pipeline."""
