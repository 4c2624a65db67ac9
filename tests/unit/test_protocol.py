import pytest

from signaling.protocol import Offer, Ping, ProtocolError, parse_client_message


def test_parses_known_messages() -> None:
    assert parse_client_message('{"type": "ping"}') == Ping()
    assert parse_client_message('{"type": "offer", "sdp": "v=0\\r\\n"}') == Offer("v=0\r\n")


@pytest.mark.parametrize(
    "text",
    ["", "nonsense", "[1,2]", '{"type": "offer"}', '{"type": "offer", "sdp": 5}',
     '{"type": "offer", "sdp": "hello"}', '{"type": "dial", "number": "0812"}'],
)
def test_malformed_messages_raise(text: str) -> None:
    with pytest.raises(ProtocolError):
        parse_client_message(text)
