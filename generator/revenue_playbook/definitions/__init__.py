"""The definition files read into the typed model (file, line, column kept), and what they say."""
