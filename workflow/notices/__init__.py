"""Public notices (公示) with their periods, and the objections raised during them."""
