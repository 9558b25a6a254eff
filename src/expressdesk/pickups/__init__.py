"""Pickup booking (揽收预约): a courier comes to an address in a booked window."""
