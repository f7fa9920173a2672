"""Fault validation: the local stack under load while its processes are killed, paused and emptied."""
