from app import short_code


def test_the_same_url_gets_the_same_code():
    assert short_code("https://example.org") == short_code("https://example.org")


def test_codes_are_short():
    assert len(short_code("https://example.org/a/very/long/path")) <= 6
