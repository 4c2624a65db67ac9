"""Tests of sambang against what an installation already holds: databases made by earlier
releases, upgraded as an operator would."""
