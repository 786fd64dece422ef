"""The home check-in page a gateway serves to a tablet or TV next to it (docs/home-checkin.md).

Large type, Korean first, one question per screen, every prompt spoken with offline
text-to-speech; answers are kept in the gateway's outbox and uploaded exactly once.
"""
