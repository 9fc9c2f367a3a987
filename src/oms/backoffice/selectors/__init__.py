"""Back office reads: dashboard figures, search, the order work page, order entry look-ups."""
