"""The command line's subcommands (render, validate, demo), one module each."""
