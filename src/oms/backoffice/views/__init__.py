"""Back office pages: the dashboard (admin home), orders, order entry, search, the language switch."""
