"""Back office back office pages."""
