"""signaling.bus.base"""
