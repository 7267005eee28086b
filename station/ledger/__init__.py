"""The station's books: one module per noun, over the shared core in :mod:`.journal`.

Where things happen: a recharge in ``recharges.py``; a card issued, locked, replaced or closed in ``cards.py``;
a hold (灰锁) in ``holds.py``; a fill recorded in ``fills.py`` and paid in ``settlement.py``; cash drops in
``drawer.py``; a shift opened and closed in ``shifts/desk.py``, its cash counted in ``shifts/counts.py`` and
reconciled in ``shifts/reconcile.py``; reports queried in ``reports/`` (one module per subject) and laid
out in :mod:`station.printouts`; a tube trailer unloaded in ``unloading/``. ``services.py`` assembles the nouns
into :class:`~station.ledger.services.Ledger`.

Feature table modules are imported here so Alembic and the tests see them.
"""

from station.ledger import models_callbacks as models_callbacks
from station.ledger import models_company_cards as models_company_cards
from station.ledger import models_complaints as models_complaints
from station.ledger import models_hq_pull as models_hq_pull
from station.ledger import models_invoices as models_invoices
from station.ledger import models_locks as models_locks
from station.ledger import models_outbox as models_outbox
from station.ledger import models_payments as models_payments
from station.ledger import models_ratings as models_ratings
from station.ledger import models_unloading as models_unloading
