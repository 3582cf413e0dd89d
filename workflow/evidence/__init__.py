"""Evidence: files attached to a case (certificates, minutes, photos, vouchers)."""
