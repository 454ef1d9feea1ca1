"""Event data: the spike dataset interface, synthetic events and real-data readers."""
