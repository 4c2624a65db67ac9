"""server.http"""
