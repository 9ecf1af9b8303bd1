"""Engine adapters that turn the generated site into HTML (MkDocs + Material today)."""
