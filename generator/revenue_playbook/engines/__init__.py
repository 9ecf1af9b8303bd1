"""Engine adapters turning the generated site into HTML: MkDocs (default), ProperDocs, Zensical."""
