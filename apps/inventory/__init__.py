"""The inventory app: the asset catalogue (seeded from a data file) and the price feed."""
