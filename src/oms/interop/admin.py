"""Import and export back office pages."""
