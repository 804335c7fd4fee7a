"""Make the demo media in resources/demo/; see scripts/demo_assets/__init__.py for what and why."""

from demo_assets.__main__ import main

if __name__ == "__main__":
    main()
