"""The rules (PB codes) run over the model, and the reporters that print their findings."""
