"""Scan-to-pay (付款码): routing a scanned code to its provider, the providers' interface and order states."""
