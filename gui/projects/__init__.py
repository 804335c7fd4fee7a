"""The parts of `gui.project_actions.ProjectActions` (File menu, crash recovery, relinking),
one concern per module."""
