"""Purchasing back office pages."""
