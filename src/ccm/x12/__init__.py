"""X12 5010 formats: the 837P claim we send (005010X222A1) and the 835 remittance we read (005010X221A1)."""
