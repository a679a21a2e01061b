"""Administrative regions: the four-level tree every record and every staff member belongs to."""
