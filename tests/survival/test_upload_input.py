"""Hostile multipart bodies on the survival uploads: a part that is not a file and not UTF-8 text
(as a fuzzer sends for a binary field) is a bad request, never a server error, with or without a
CSRF token in the header."""

from __future__ import annotations

import pytest

from tests.support import csrf_token, staff_login

BODY = (
    b'--XyZ\r\nContent-Disposition: form-data; name="frame0"\r\n\r\n\x89PNG\xff\xfe\r\n'
    b'--XyZ\r\nContent-Disposition: form-data; name="nonce"\r\n\r\nabc\r\n--XyZ--\r\n'
)
HEADERS = {"content-type": "multipart/form-data; boundary=XyZ", "accept": "application/json"}


@pytest.mark.parametrize(
    "url", ["/survival/check", "/office/survival/people/1/check", "/office/survival/people/1/reference"]
)
def test_binary_text_part_is_a_bad_request(client, demo, url):
    anonymous = client.post(url, content=BODY, headers=HEADERS)
    assert anonymous.status_code in (400, 401, 403), anonymous.text
    staff_login(client, "community")
    signed_in = client.post(url, content=BODY, headers={**HEADERS, "x-csrftoken": csrf_token(client)})
    assert signed_in.status_code in (400, 401, 403, 404), signed_in.text
