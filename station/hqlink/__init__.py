"""The station's end of the line to head office (docs/protocols/hq_sync.md): signed JSON over HTTPS (httpx)."""
