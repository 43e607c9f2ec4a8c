"""Cohort generators of our own, unlike the package simulator, with known truths."""
