"""The local benchmark behind ``make bench``: real processes on loopback, figures in ``reports/``."""
