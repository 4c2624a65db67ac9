"""HTTP side of sambang: app factory, configuration, auth, pages, JSON API, database, CLI."""
