"""MkDocs 1.6 + Material: the plugin, the atomic build and serve, incremental rebuilds."""
