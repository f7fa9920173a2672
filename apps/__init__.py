"""The Cloud Native Order Processor apps: gateway, auth, user, inventory, order and insights."""
