"""Writing output safely: folders, git arguments, encodings per destination, the HTML sanitiser."""
