"""bookings' writes, by sub-domain: ``appointments`` (book, move, cancel, the status steps),
``waitlist``, ``calendar_feed`` (practitioners' private .ics links), ``catalogue`` (treatments),
``clients`` (the desk creating a client), ``message_planning`` (an appointment's outbox rows) and
``refusals`` (why a time cannot be booked, in words a client reads)."""
