"""Returns back office pages."""
