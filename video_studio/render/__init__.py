"""Rendering: turning timelines into frames, audio and encoded files."""
