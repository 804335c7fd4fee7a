"""Starts Video Studio: the desktop app, the same as the `video-studio` command with no
arguments (any arguments are passed on to that command line)."""

from video_studio.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
