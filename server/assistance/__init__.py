"""Social assistance: applications on the phone, four-level approval, the benefit computed by
rule (never typed in), enrolment, changes and the monthly payment roll."""
