"""The `ccm` command: ccm's own verbs, and every Django management command besides."""

import os
import sys

OWN_VERBS = """ccm: run a Medicare Chronic Care Management program.

ccm's own verbs (spec/cli.md):
  demo [--patients N]                  create the demo organisation, practice, users, patients
  serve [--host H] [--port P]          serve the web app (gunicorn)
  user add USERNAME --org SLUG --role ROLE [--practice SLUG]
  import fhir|csv PATH... --practice SLUG [--json]
  eligibility audit --practice SLUG [--month YYYY-MM] [--json]
  rules month CASE.json [--json]       one patient-month through the CMS rules ('-': stdin)
  fees load --year YYYY --rvu FILE --gpci FILE
  month close --practice SLUG --month YYYY-MM [--json]
  claims export --practice SLUG --month YYYY-MM --format 837p|csv|fhir -o FILE
  remittance import FILE [--json]
and every Django management command below."""


def main(argv: list[str] | None = None) -> int:
    """Dispatch `ccm VERB …`: pure-core verbs run without Django; the rest are Django commands."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ("rules", "fees"):
        from ccm.rules.command import main as rules_main

        return rules_main(args)
    if args in ([], ["help"], ["--help"], ["-h"]):
        print(OWN_VERBS)
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
