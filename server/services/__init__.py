"""server.services"""
