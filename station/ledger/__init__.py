"""The station's books. Feature table modules are imported here so Alembic and the tests see them."""

from station.ledger import models_locks as models_locks
from station.ledger import models_unloading as models_unloading
