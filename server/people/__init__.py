"""The register of people and households the bureau serves, shared by every service.

A person is known by a keyed hash of their resident ID (``id_hash``), never by the number in
clear; households live in a community; an enrolment says a household receives a benefit."""
