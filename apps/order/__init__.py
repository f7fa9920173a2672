"""The order app: market buy and sell orders, order history, asset transactions."""
