"""Reads of payments: prices, a client's account and packages, the reports."""
