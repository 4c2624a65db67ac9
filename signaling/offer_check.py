"""A page's SDP offer, checked before it goes anywhere near the relay.

The relay replaces a page's leg with the one its new offer describes, so an offer that the relay's
WebRTC stack (aiortc) then refuses would cost that page its working call. These checks refuse it
first, following what aiortc's parser and `setRemoteDescription` refuse, so that an offer passing
here is one the relay takes; tests/unit/test_offer_check.py holds that against aiortc itself for
many broken offers. They also bound what an offer may ask of the relay: a handful of media
sections, of formats and of candidates, whatever fits in the size the protocol allows.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from signaling.ports import HubError

log = logging.getLogger(__name__)

# A leg's page offers audio and video; a supervisor's monitor both sides' audio and video.
MAX_LEG_MEDIA = 2
MAX_MONITOR_MEDIA = 4
MAX_SDP_CHARS = 32 * 1024  # a browser's offer is 4-8 kB
MAX_LINES = 800  # a browser's audio+video offer has 100-200, candidates included
MAX_FORMATS = 64  # payload types in one media section (Chrome's video offers about 25)
MAX_CANDIDATES = 40  # per media section

KINDS = ("audio", "video")
SETUP_ROLES = ("actpass", "active", "passive")
DIRECTIONS = ("inactive", "sendonly", "recvonly", "sendrecv")
FINGERPRINT_ALGORITHMS = ("sha-1", "sha-224", "sha-256", "sha-384", "sha-512")
AUDIO_CODECS = ("opus/48000", "g722/8000", "pcmu/8000", "pcma/8000")
INT_FMTP_PARAMETERS = ("apt", "max-fr", "max-fs", "maxplaybackrate", "minptime", "stereo",
                       "useinbandfec")
H264_LEVELS = (10, 11, 12, 13, 20, 21, 22, 30, 31, 32, 40, 41, 42, 50, 51, 52)
FORBIDDEN_PAYLOAD_TYPES = range(72, 77)  # RTCP packet types (RFC 5761)

MEDIA_LINE = re.compile(r"^m=([^ ]+) ([0-9]+) ([A-Z/]+) (.+)$")
CONNECTION = re.compile(r"^IN (IP4|IP6) ([^ ]+)$")
LINE = re.compile(r"^[a-z]=")


class OfferRefused(ValueError):
    """The offer is malformed or asks too much; the reason is for the log, not the page."""


@dataclass
class _Section:
    kind: str
    formats: list[int]
    rtpmap: dict[int, str] = field(default_factory=dict)  # payload type -> "name/clock"
    fmtp: dict[int, dict[str, str]] = field(default_factory=dict)
    fmtp_lines: list[str] = field(default_factory=list)  # read once all rtpmaps are known
    attrs: dict[str, str] = field(default_factory=dict)  # the last value of each attribute
    candidates: int = 0


def _int(text: str, what: str) -> int:
    if not re.fullmatch(r"[+-]?[0-9]+", text.strip()):
        raise OfferRefused(f"{what}: {text[:40]!r} is not a number")
    return int(text)


def _words(value: str, count: int, what: str) -> list[str]:
    words = value.split()
    if len(words) != count:
        raise OfferRefused(f"{what} needs {count} fields")
    return words


def _fingerprint(section: _Section | None, value: str) -> None:
    _words(value, 2, "a=fingerprint")


def _setup(section: _Section | None, value: str) -> None:
    if value not in SETUP_ROLES:
        raise OfferRefused(f"a=setup:{value[:20]} is not a DTLS role")


def _group(section: _Section | None, value: str) -> None:
    if not value.split():
        raise OfferRefused("a=group needs a semantic")


def _number(what: str) -> Callable[[_Section | None, str], None]:
    def check(section: _Section | None, value: str) -> None:
        _int(value, what)
    return check


def _candidate(section: _Section | None, value: str) -> None:
    bits = value.split()
    if len(bits) < 8:
        raise OfferRefused("a=candidate needs at least 8 fields")
    for index in (1, 3, 5):
        _int(bits[index], "a=candidate")
    for i in range(8, len(bits) - 1, 2):
        if bits[i] == "rport":
            _int(bits[i + 1], "a=candidate rport")
    if section is not None:
        section.candidates += 1
        if section.candidates > MAX_CANDIDATES:
            raise OfferRefused(f"more than {MAX_CANDIDATES} candidates in a media section")


def _rtpmap(section: _Section | None, value: str) -> None:
    format_id, _, desc = value.partition(" ")
    bits = desc.split("/")
    if not desc or len(bits) < 2:
        raise OfferRefused("a=rtpmap needs a payload type and name/clock rate")
    pt = _int(format_id, "a=rtpmap payload type")
    clock = _int(bits[1], "a=rtpmap clock rate")
    if section is not None:
        if section.kind == "audio" and len(bits) > 2:
            _int(bits[2], "a=rtpmap channels")
        section.rtpmap[pt] = f"{bits[0].lower()}/{clock}"


def _extmap(section: _Section | None, value: str) -> None:
    ext_id, _ = _words(value, 2, "a=extmap")
    if "/" in ext_id:
        parts = ext_id.split("/")
        if len(parts) != 2:
            raise OfferRefused("a=extmap id is malformed")
        ext_id = parts[0]
    _int(ext_id, "a=extmap id")


def _ssrc(section: _Section | None, value: str) -> None:
    ssrc, _, desc = value.partition(" ")
    _int(ssrc, "a=ssrc")
    if ":" not in desc:
        raise OfferRefused("a=ssrc needs attribute:value")


def _ssrc_group(section: _Section | None, value: str) -> None:
    for ssrc in value.split()[1:]:
        _int(ssrc, "a=ssrc-group")


def _rtcp(section: _Section | None, value: str) -> None:
    port, _, address = value.partition(" ")
    _int(port, "a=rtcp port")
    if address and not CONNECTION.match(address):
        raise OfferRefused("a=rtcp address is malformed")


def _rtcp_fb(section: _Section | None, value: str) -> None:
    if len(value.split(" ", 2)) < 2:
        raise OfferRefused("a=rtcp-fb needs a payload type and a type")


def _sctpmap(section: _Section | None, value: str) -> None:
    format_id, _, desc = value.partition(" ")
    _int(format_id, "a=sctpmap")
    if not desc:
        raise OfferRefused("a=sctpmap needs a description")


def _fmtp_line(section: _Section | None, value: str) -> None:
    if section is not None:
        section.fmtp_lines.append(value)


Check = Callable[[_Section | None, str], None]
# The attributes whose value the relay's parser reads, each with what it must look like.
SESSION_ATTRS: dict[str, Check] = {
    "fingerprint": _fingerprint, "setup": _setup, "group": _group, "msid-semantic": _group,
}
MEDIA_ATTRS: dict[str, Check] = {
    "candidate": _candidate, "extmap": _extmap, "fingerprint": _fingerprint, "setup": _setup,
    "max-message-size": _number("a=max-message-size"), "sctp-port": _number("a=sctp-port"),
    "rtcp": _rtcp, "rtpmap": _rtpmap, "ssrc": _ssrc, "ssrc-group": _ssrc_group,
    "rtcp-fb": _rtcp_fb, "sctpmap": _sctpmap, "fmtp": _fmtp_line,
}


def _fmtp(section: _Section, value: str) -> None:
    format_id, _, desc = value.partition(" ")
    if not desc:
        raise OfferRefused("a=fmtp needs a payload type and parameters")
    pt = _int(format_id, "a=fmtp payload type")
    if pt not in section.rtpmap:
        raise OfferRefused(f"a=fmtp:{pt} has no a=rtpmap")
    params: dict[str, str] = {}
    for param in desc.split(";"):
        if "=" in param:
            key, val = param.split("=", 1)
            if key in INT_FMTP_PARAMETERS:
                _int(val, f"a=fmtp {key}")
            params[key] = val
    section.fmtp[pt] = params


def _h264_usable(params: dict[str, str]) -> bool:
    """Packetization mode 1 with a (constrained) baseline profile: what the relay can take."""
    mode = params.get("packetization-mode", "0")
    if not re.fullmatch(r"[0-9]+", mode.strip()) or int(mode) != 1:
        return False
    plid = params.get("profile-level-id", "42E01F")
    if not re.match(r"[0-9a-fA-F]{6}", plid):
        return False
    idc, iop, level = int(plid[0:2], 16), int(plid[2:4], 16), int(plid[4:6], 16)
    if level not in H264_LEVELS or iop & 0x0F:
        return False
    return idc == 0x42 or (idc in (0x4D, 0x58) and bool(iop & 0x80))


def _usable_codec(section: _Section) -> bool:
    for pt, name in section.rtpmap.items():
        if section.kind == "audio" and name in AUDIO_CODECS:
            return True
        if section.kind == "video" and name == "vp8/90000":
            return True
        if section.kind == "video" and name == "h264/90000" and _h264_usable(
                section.fmtp.get(pt, {})):
            return True
    return False


def _media_line(line: str) -> _Section:
    match = MEDIA_LINE.match(line)
    if match is None:
        raise OfferRefused("an m= line is malformed")
    kind = match.group(1)
    if kind not in KINDS:
        raise OfferRefused(f"m={kind[:20]}: only audio and video are taken")
    formats = match.group(4).split()
    if len(formats) > MAX_FORMATS:
        raise OfferRefused(f"{len(formats)} formats in one m= line (at most {MAX_FORMATS})")
    pts = [_int(f, "m= payload type") for f in formats]
    if any(pt < 0 or pt > 255 or pt in FORBIDDEN_PAYLOAD_TYPES for pt in pts):
        raise OfferRefused("m= payload type out of range")
    return _Section(kind=kind, formats=pts)


def _parse(sdp: str, max_media: int) -> tuple[dict[str, str], list[_Section]]:
    if len(sdp) > MAX_SDP_CHARS:
        raise OfferRefused(f"{len(sdp)} characters (at most {MAX_SDP_CHARS})")
    lines = sdp.splitlines()
    if len(lines) > MAX_LINES:
        raise OfferRefused(f"{len(lines)} lines (at most {MAX_LINES})")
    if not lines or lines[0].strip() != "v=0":
        raise OfferRefused("an offer starts with v=0")
    session: dict[str, str] = {}
    sections: list[_Section] = []
    for line in lines[1:]:
        if not line:
            continue
        if not LINE.match(line):
            raise OfferRefused("a line that is not <letter>=<value>")
        if line.startswith("m="):
            if len(sections) >= max_media:
                raise OfferRefused(f"more than {max_media} media sections")
            sections.append(_media_line(line))
        elif line.startswith("c=") and not CONNECTION.match(line[2:]):
            raise OfferRefused("c= is malformed")
        elif line.startswith("a="):
            _attribute(line, session, sections[-1] if sections else None)
    for section in sections:
        for value in section.fmtp_lines:
            _fmtp(section, value)
    return session, sections


def _attribute(line: str, session: dict[str, str], section: _Section | None) -> None:
    attr, sep, value = line[2:].partition(":")
    checks = SESSION_ATTRS if section is None else MEDIA_ATTRS
    if attr in checks:
        if not sep:
            raise OfferRefused(f"a={attr} needs a value")
        checks[attr](section, value)
    if section is None:
        if sep:
            session[attr] = value
    else:
        section.attrs[attr] = value


def check_offer(sdp: str, max_media: int = MAX_LEG_MEDIA) -> None:
    """Raises OfferRefused when the relay would refuse this offer, or it asks too much."""
    session, sections = _parse(sdp, max_media)
    if not sections:
        raise OfferRefused("an offer has at least one m= line")
    mids = [section.attrs.get("mid", "") for section in sections]
    if any(not re.fullmatch(r"[!-~]{1,32}", mid) for mid in mids) or len(set(mids)) < len(mids):
        raise OfferRefused("each media section needs a=mid of its own")
    for group in [session.get("group", "")]:
        if group.startswith("BUNDLE") and not set(group.split()[1:]) <= set(mids):
            raise OfferRefused("a=group:BUNDLE names a media section that is not there")
    for section in sections:
        if sum(direction in section.attrs for direction in DIRECTIONS) != 1:
            raise OfferRefused("each media section needs one direction (a=sendrecv, ...)")
        attrs = {**session, **section.attrs}
        if not attrs.get("ice-ufrag") or not attrs.get("ice-pwd"):
            raise OfferRefused("ICE username fragment or password is missing")
        if "rtcp-mux" not in section.attrs:
            raise OfferRefused("RTCP mux is not enabled")
        if "setup" not in attrs:
            raise OfferRefused("a=setup (the DTLS role) is missing")
        fingerprint = attrs.get("fingerprint", "")
        if fingerprint.split(" ")[0].lower() not in FINGERPRINT_ALGORITHMS:
            raise OfferRefused("a DTLS fingerprint is missing")
        if not _usable_codec(section):
            raise OfferRefused(f"no {section.kind} codec the relay can use")


def refuse_bad_offer(sdp: str, max_media: int) -> None:
    """For the hub: an offer that fails the check is the page's `bad_offer`, and nothing more."""
    try:
        check_offer(sdp, max_media)
    except OfferRefused as exc:
        log.warning("offer refused: %s", exc)
        raise HubError("bad_offer") from None
