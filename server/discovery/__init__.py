"""Active discovery (主动发现): anyone reports a person who may need help; the report is routed to
the community by its place, visited within a deadline, and followed to an outcome."""
