"""``python -m lava_stllr.cli``."""

import sys

from lava_stllr.cli import main

sys.exit(main())
