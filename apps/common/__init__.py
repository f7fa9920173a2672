"""What two or more apps share: settings, tables and models, errors, observability, security."""
