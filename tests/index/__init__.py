"""Tests of the City AI Index engine (a package, so module names do not clash with other parts)."""
