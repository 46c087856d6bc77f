"""The product's settings with one change, for a benchmark experiment only.

`python -m bench.run --full --whatif` runs the board with these to measure
what one persistent database connection is worth: under config.settings
(CONN_MAX_AGE=0) every database_sync_to_async call opens and closes its own
SQLite connection. Nothing in the product reads this module.
"""

from config.settings import *  # noqa: F403
from config.settings import DATABASES

# All synchronous database work of a Daphne process runs in the one
# thread-sensitive executor thread, so this is one connection per process.
DATABASES["default"]["CONN_MAX_AGE"] = None
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
