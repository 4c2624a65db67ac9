from server.http.ratelimit import Window


def test_window_counts_only_recent_hits_per_client() -> None:
    window = Window(limit=2, seconds=60)
    assert not window.full("a", 0.0)
    window.hit("a", 0.0)
    window.hit("a", 10.0)
    assert window.full("a", 20.0) and not window.full("b", 20.0)
    assert not window.full("a", 60.5)  # the first hit has left the window
