"""The back-office shell: dashboard and region tree."""
