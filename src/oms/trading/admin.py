"""Trading back office pages."""
