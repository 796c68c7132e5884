"""The `ccm` command: ccm's own verbs, and every Django management command besides."""

import os
import sys


def main(argv: list[str] | None = None) -> int:
    """Dispatch `ccm VERB …`: pure-core verbs run without Django; the rest are Django commands."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ("rules", "fees"):
        from ccm.rules.command import main as rules_main

        return rules_main(args)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccmweb.settings")
    from django.core.management import execute_from_command_line

    # Multi-word verbs map onto one management command each: `ccm user add` → `user`.
    try:
        execute_from_command_line(["ccm", *args])
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
