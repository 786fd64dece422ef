"""``python -m wearmon``: the same as the ``wearmon`` command."""

import sys

from wearmon.cli import main

sys.exit(main())
