"""Writing output safely: folders, git arguments, encodings per destination, the HTML sanitiser."""

# The folder of definitions a project has, unless told otherwise (`playbook validate PATH`,
# the plugin's `defs:`): a source never written over (`safe_writes`), and the default of every
# command and adapter, which all name it through this one name. Here rather than in
# `safe_writes`, which `playbook validate` has no other use for.
DEFINITIONS_FOLDER = "process_defs"
