"""Widgets the panels are built from."""
