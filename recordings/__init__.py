"""Recording files: written from the relay (writer), hashed (digest), found by their row only
(files), deleted when their facility's retention ends (retention) and given back a row after a
relay crash (recovery). The jobs reach the database through the RecordingStore port (store), so
this package imports nothing of server/."""
