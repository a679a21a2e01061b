"""A small generated city, end to end: every source imported, the planted cases found, nothing
raised on the clean look-alikes, and a semiannual review with its reported counts."""

from __future__ import annotations

from server.verification import service
from server.verification.sources import SOURCES
from tests.support import in_db
from tests.verification.support import OFFICER, TODAY, import_csv, small_city, warnings_as_truth


def test_generated_city_every_planted_case_found_and_nothing_else(demo, tmp_path):
    city, truth = small_city(demo, tmp_path)
    for source in SOURCES:
        imp = import_csv(demo, source, tmp_path / "sources" / f"{source}.csv")
        assert imp.status == "active", (source, imp.failure)
    incremental = warnings_as_truth(demo, city)
    assert truth - incremental == {t for t in truth if t[2] == "age"}  # imports check only what they bring
    review = in_db(demo, lambda s: service.start_review(s, OFFICER, "331100", "2026 下半年复核", TODAY))
    assert review.households_reviewed >= len(city.households)
    found = warnings_as_truth(demo, city)
    missed = truth - found
    extra = found - truth
    assert not missed, sorted(missed)[:10]
    assert not extra, sorted(extra)[:10]
    assert {rule for *_, rule in truth} >= {
        "deceased",
        "imprisoned",
        "business",
        "duplicate",
        "hukou_outside",
        "property",
        "vehicle",
        "income",
        "deposits",
        "age",
    }
