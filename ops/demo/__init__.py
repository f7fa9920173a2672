"""``make demo``: the local stack, a narrated walkthrough of every API, then a live status view."""
