import sys

from ccmweb.cli import main

sys.exit(main())
