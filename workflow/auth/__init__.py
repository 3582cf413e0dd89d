"""Users, role assignments (role + jurisdiction), login, API tokens and permissions."""
