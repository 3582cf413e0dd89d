"""Cases: one procedure running for one subject; ``operations`` alone changes them."""
