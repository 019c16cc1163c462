"""A module whose view writes a user and answers the status it is asked for."""
