"""What the analyst sets: assumption files read, checked and resolved into a Scenario (see README.md)."""
