"""Notifications: what concerns a person (reviews, links to validate, next steps falling due...), mailed at once
or gathered in a daily digest, by the person's choices."""
