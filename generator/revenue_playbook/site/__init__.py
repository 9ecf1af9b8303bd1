"""The engine-neutral website as data: generated Markdown pages, navigation, diagrams, Downloads."""
