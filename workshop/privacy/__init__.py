"""The rights of people over their data (RGPD): see, download and erase it; retention of closed workshops."""
