"""The unloading log screen (卸气记录): a trailer's visit step by step, the search list, print and CSV export.

One key per checklist step: Enter confirms the next step (▶), done steps show ✓ in green, pending ones ·.
When the configured unloading post is on the dispenser bus, the trailer readings and the quantity come from
it (start/stop and the post's record); otherwise the readings are typed and the quantity is computed.
"""
