"""The `ccm` command: ccm's own verbs, and every Django management command besides."""

import os
import sys

OWN_VERBS = """ccm: run a Medicare Chronic Care Management program.

ccm's own verbs (docs/spec/cli.md):
  demo [--patients N]                  create the demo organisation, practice, users, patients
  serve [--host H] [--port P]          serve the web app (gunicorn)
  user add USERNAME --org SLUG --role ROLE [--practice SLUG] [--email ADDRESS] [--operator]
  user set-email|reset-two-factor|require-two-factor …
  import fhir|csv|ccda|hl7 PATH... --practice SLUG [--json]
  hl7 listen --port P --practice SLUG [--host H]   receive HL7v2 over MLLP, ACK each message
  eligibility audit --practice SLUG [--month YYYY-MM] [--json]
  rules month CASE.json [--json]       one patient-month through the CMS rules ('-': stdin)
  fees load --year YYYY --rvu FILE --gpci FILE [--counties FILE]
  month close --practice SLUG --month YYYY-MM [--early] [--json]
  claims export --practice SLUG --month YYYY-MM --format 837p|csv|fhir -o FILE [--json]
  claims ack FILE [--practice SLUG] [--json]      a 999 or 277CA
  remittance import FILE [--practice SLUG] [--json]
  remittance write --practice SLUG --month YYYY-MM -o FILE [--outcome …] [--claim ID=…] [--plb R:AMT]
  balances --practice SLUG [--json]
`ccm help VERB` explains a verb; `ccm --version` prints ccm's version.
Every Django management command is listed below."""


def main(argv: list[str] | None = None) -> int:
    """Dispatch `ccm VERB …`: pure-core verbs run without Django; the rest are Django commands."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args in (["--version"], ["version"]):
        from importlib.metadata import version

        print(f"ccm {version('ccm')}")
        return 0
    if args[:1] == ["help"] and args[1:2] in (["rules"], ["fees"]):
        args = [*args[1:], "--help"]  # `ccm help rules`: the pure core's own help
    if args and args[0] in ("rules", "fees"):
        from ccm.rules.command import main as rules_main

        try:
            return rules_main(args)
        except SystemExit as done:  # argparse's --help and usage errors
            return int(done.code or 0)
    if args in ([], ["help"], ["--help"], ["-h"]):
        print(OWN_VERBS)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccmweb.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    # Multi-word verbs map onto one management command each: `ccm user add` → `user`.
    try:
        execute_from_command_line(["ccm", *args])
    except KeyboardInterrupt:
        return 130
    except ImproperlyConfigured as error:  # a setting from the environment: say which, no trace
        print(f"ccm: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
