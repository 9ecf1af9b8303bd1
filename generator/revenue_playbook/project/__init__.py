"""A new playbook repository (`playbook init`) and how it installs and runs Playbook."""
