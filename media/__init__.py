"""WebRTC relay: one session per visit, a family leg and a station leg."""
