"""The dashboards' layouts: rows of panels under a shared header (variables, links, time)."""
