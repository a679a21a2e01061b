"""The working-day calendar: statutory deadlines count working days; holidays and make-up
working days differ each year and are kept in the database (``calendar_days``)."""
