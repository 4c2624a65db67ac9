"""Visit lifecycle, queue rules, the WebSocket protocol and the bus between nodes."""
