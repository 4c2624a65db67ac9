"""server.db"""
