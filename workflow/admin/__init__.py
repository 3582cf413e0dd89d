"""User administration (scoped to the administrator's places), the account page every
user has, and the auditors' page of the administration trail."""
