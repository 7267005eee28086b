"""The invoicing platform (数电发票): the signed JSON API of ``docs/protocols/invoicing.md``, the adapter that
speaks it (:mod:`.provider`) and a simulator of the platform (:mod:`.simulator`)."""
