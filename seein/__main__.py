"""``python -m seein`` is the ``seein`` command."""

import sys

from .cli import main

sys.exit(main())
