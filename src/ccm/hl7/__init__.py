"""HL7v2 in: ADT A01/A03/A04/A08 and ORU^R01 messages, from files or an MLLP listener, read with
python-hl7 into ccm's records (docs/import.md, "HL7v2")."""

from ccm.hl7.messages import Messages, input_files, read_message, split_messages

__all__ = ["Messages", "input_files", "read_message", "split_messages"]
