"""``python -m station.cli``: the ``station`` command without the installed script."""

import sys

from station.cli import main

sys.exit(main())
