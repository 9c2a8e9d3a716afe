"""``python -m chainrule ...`` runs the same program as the ``chainrule`` command."""

import sys

from .program import main

sys.exit(main())
