"""Tests of the model adapters: the local engine, the registry and plugins."""
