"""Up to date or not: the state under .pipekit/ and the verdicts drawn from it."""
