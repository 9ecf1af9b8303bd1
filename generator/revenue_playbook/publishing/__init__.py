"""Published versions of the playbook: mike on a branch, or a plain folder, and versions.json."""
